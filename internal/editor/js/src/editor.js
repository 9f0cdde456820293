// The admin's editor: every <textarea data-editor> becomes a CodeMirror
// view that keeps the textarea (hidden) in step, so the form posts what the
// editor shows, and the page works unchanged when this script does not run.
// The contract with the page is in the Go package's doc (internal/editor).
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  drawSelection,
} from "@codemirror/view";
import { EditorState, Prec } from "@codemirror/state";
import { history, defaultKeymap, historyKeymap, indentWithTab } from "@codemirror/commands";
import { search, searchKeymap } from "@codemirror/search";
import { bracketMatching } from "@codemirror/language";
import { theme } from "./theme.js";
import { language } from "./languages.js";
import { problems, parseProblems, showProblems } from "./problems.js";
import { setupPreview } from "./preview.js";

// The nonce of this script's own tag, for the style elements CodeMirror
// adds where the browser lacks constructed style sheets. Read now: it is
// gone once the script has run.
const nonce = (document.currentScript && document.currentScript.nonce) || "";
let labels = 0;

function start() {
  const editors = [];
  for (const textarea of document.querySelectorAll("textarea[data-editor]")) {
    const ed = enhance(textarea);
    if (ed) editors.push(ed);
  }
  const forms = new Map();
  for (const ed of editors) {
    if (!ed.textarea.form) continue;
    if (!forms.has(ed.textarea.form)) forms.set(ed.textarea.form, []);
    forms.get(ed.textarea.form).push(ed);
  }
  for (const [form, eds] of forms) wirePreview(form, eds);
  if (editors.length) {
    document.addEventListener("keydown", saveKey);
    document.addEventListener("click", (ev) => lineLink(ev, editors));
  }
}

// enhance replaces one textarea by an editor; on any failure the textarea
// stays as it was.
function enhance(textarea) {
  if (textarea.dataset.editorReady) return null;
  const ed = { textarea, view: null, onEdit: null, show: (ps) => showProblems(ed.view, ps) };
  try {
    ed.view = new EditorView({ state: EditorState.create({ doc: textarea.value, extensions: setup(ed) }) });
    textarea.after(ed.view.dom);
    textarea.style.display = "none";
    textarea.dataset.editorReady = "true";
    connectLabel(textarea, ed.view);
    const initial = parseProblems(textarea.dataset.problems);
    if (initial.length) ed.show(initial);
    return ed;
  } catch (err) {
    console.error("editor: left as a plain text box:", err);
    if (ed.view) ed.view.destroy();
    textarea.style.display = "";
    return null;
  }
}

function setup(ed) {
  const textarea = ed.textarea;
  const rows = Math.max(textarea.rows || 0, 4);
  return [
    nonce ? EditorView.cspNonce.of(nonce) : [],
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    bracketMatching(),
    highlightActiveLine(),
    search({ top: true }),
    EditorView.lineWrapping,
    theme,
    EditorView.theme({ ".cm-content, .cm-gutter": { minHeight: `${rows * 1.5}em` } }),
    language(textarea.dataset.editor),
    problems(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
    EditorView.contentAttributes.of(nameOf(textarea)),
    escapeLeaves,
    textarea.readOnly || textarea.disabled ? EditorState.readOnly.of(true) : [],
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      textarea.value = u.state.doc.toString();
      if (ed.onEdit) ed.onEdit();
    }),
  ];
}

// escapeLeaves: Escape, then Tab within two seconds, moves the focus out
// of the editor (Tab alone indents). CodeMirror does this itself only when
// the Escape did nothing else, such as collapse a selection.
const escapeLeaves = Prec.highest(
  EditorView.domEventHandlers({
    keydown(ev, view) {
      if (ev.key === "Escape") view.setTabFocusMode(2000);
      return false;
    },
  }),
);

// nameOf gives the editor the textarea's accessible name and description.
function nameOf(textarea) {
  const attrs = {};
  const label = textarea.labels && textarea.labels[0];
  if (label) {
    if (!label.id) label.id = `editor-label-${++labels}`;
    attrs["aria-labelledby"] = label.id;
  } else if (textarea.getAttribute("aria-labelledby")) {
    attrs["aria-labelledby"] = textarea.getAttribute("aria-labelledby");
  } else if (textarea.getAttribute("aria-label")) {
    attrs["aria-label"] = textarea.getAttribute("aria-label");
  }
  const described = textarea.getAttribute("aria-describedby");
  if (described) attrs["aria-describedby"] = described;
  return attrs;
}

// A click on the textarea's label would focus the hidden textarea; it
// focuses the editor instead.
function connectLabel(textarea, view) {
  for (const label of textarea.labels || []) {
    label.addEventListener("click", (ev) => {
      ev.preventDefault();
      view.focus();
    });
  }
}

function wirePreview(form, editors) {
  const edit = setupPreview(form, editors);
  if (!edit) return;
  for (const ed of editors) ed.onEdit = edit;
  // The form's other fields (a lesson's subject, say) change the preview
  // too; the editors' own edits come through onEdit.
  form.addEventListener("input", (ev) => {
    if (!(ev.target instanceof Element) || !ev.target.closest(".cm-editor")) edit();
  });
}

// saveKey makes Ctrl-S (Cmd-S on a Mac) press the save button of the form
// the focus is in, or the page's only save button.
function saveKey(ev) {
  if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || ev.shiftKey || (ev.key || "").toLowerCase() !== "s") return;
  const form = ev.target instanceof Element ? ev.target.closest("form") : null;
  let button = form && form.querySelector("button[data-editor-save]");
  if (!button) {
    const all = document.querySelectorAll("button[data-editor-save]");
    if (all.length === 1) button = all[0];
  }
  if (!button) return;
  ev.preventDefault();
  button.click();
}

// lineLink makes a link with data-editor-line move the cursor to that line
// and focus the editor: the one whose textarea the link's
// data-editor-target or #fragment names, else the page's first.
function lineLink(ev, editors) {
  const a = ev.target instanceof Element ? ev.target.closest("a[data-editor-line]") : null;
  if (!a) return;
  const id = a.dataset.editorTarget || fragment(a);
  const ed = editors.find((e) => id && e.textarea.id === id) || editors[0];
  ev.preventDefault();
  const doc = ed.view.state.doc;
  const n = Math.min(Math.max(parseInt(a.dataset.editorLine, 10) || 1, 1), doc.lines);
  const line = doc.line(n);
  ed.view.dispatch({
    selection: { anchor: line.from },
    effects: EditorView.scrollIntoView(line.from, { y: "center" }),
  });
  ed.view.focus();
}

function fragment(a) {
  try {
    return decodeURIComponent((a.hash || "").slice(1));
  } catch {
    return ""; // a malformed %-escape names no textarea
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
