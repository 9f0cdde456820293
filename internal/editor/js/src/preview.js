// Live preview: after the operator stops typing, the form's fields are
// posted to the preview URL and the answer is shown in the sandboxed
// iframe; problems the server sends back in X-Editor-Problems replace the
// editors' markers.
import { parseProblems } from "./problems.js";

const delay = 600; // ms after the last edit
const widths = { desktop: "640px", phone: "375px" };

/**
 * Wires the preview of one form, if it has one. editors are the form's
 * editors ({textarea, view, show(problems)}). Returns a function to call
 * after every edit, or null when the form has no preview.
 */
export function setupPreview(form, editors) {
  const frame = form.querySelector("iframe[data-editor-preview][data-preview-url]");
  if (!frame) return null;
  setupWidths(form, frame);
  const status = form.querySelector("[data-editor-status]");
  let timer = 0;
  let inflight = null;
  const refresh = async () => {
    if (inflight) inflight.abort();
    const ctl = (inflight = new AbortController());
    const docs = editors.map((e) => e.view.state.doc);
    try {
      const res = await fetch(frame.dataset.previewUrl, {
        method: "POST",
        body: body(form),
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-Editor-Preview": "1" },
        signal: ctl.signal,
      });
      if (res.type === "opaqueredirect") throw new Error("the preview was redirected (signed out?)");
      const text = await res.text();
      if (ctl !== inflight) return;
      frame.srcdoc = text;
      applyProblems(res.headers.get("X-Editor-Problems"), editors, docs);
      // Only trouble is said: a live region that spoke after every pause in
      // typing would drown a screen reader.
      say(status, res.ok ? "" : `Preview failed: the server answered ${res.status}.`);
    } catch (err) {
      if (err.name === "AbortError") return;
      say(status, `Preview failed: ${err.message}.`);
    } finally {
      if (ctl === inflight) inflight = null;
    }
  };
  return () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  };
}

// The same encoding a plain post of the form would use, so the server's
// preview handler reads it exactly as it reads a save.
function body(form) {
  const data = new FormData(form);
  if (form.enctype === "multipart/form-data") return data;
  return new URLSearchParams(data);
}

function applyProblems(header, editors, docs) {
  if (header === null) return;
  const all = parseProblems(utf8(header));
  editors.forEach((e, i) => {
    // Problems about a text that has changed since would land on the
    // wrong lines; the next preview brings fresh ones.
    if (e.view.state.doc !== docs[i]) return;
    const mine = all.filter((p) => (p.field ? p.field === e.textarea.name : i === 0));
    e.show(mine);
  });
}

// Header values reach JavaScript one byte per character; a server that
// sends UTF-8 there gets its text back whole.
function utf8(s) {
  if (!/[\u0080-\u00ff]/.test(s)) return s;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  } catch {
    return s;
  }
}

function say(status, text) {
  if (status) status.textContent = text;
}

function setupWidths(form, frame) {
  const buttons = [...form.querySelectorAll("[data-preview-width]")];
  const pick = (name) => {
    frame.style.width = widths[name] || widths.desktop;
    frame.style.maxWidth = "100%";
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.previewWidth === name));
  };
  for (const b of buttons) {
    b.hidden = false; // rendered hidden: without the script they would do nothing
    b.addEventListener("click", (e) => {
      e.preventDefault();
      pick(b.dataset.previewWidth);
    });
  }
  const start = buttons.find((b) => b.getAttribute("aria-pressed") === "true") || buttons[0];
  if (start) pick(start.dataset.previewWidth);
}
