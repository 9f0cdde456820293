// Problems found by the server's checks, shown in the editor as lint
// diagnostics: a "!" in the gutter, an underline on the line, the message
// on hover, and a panel under the editor that names the problem on the
// cursor's line (a live region, so a screen reader reads it out).
import { EditorView, showPanel, keymap } from "@codemirror/view";
import { StateField } from "@codemirror/state";
import {
  setDiagnostics,
  lintGutter,
  lintKeymap,
  forEachDiagnostic,
  previousDiagnostic,
  setDiagnosticsEffect,
} from "@codemirror/lint";

/**
 * Reads a JSON list of problems ([{"line":3,"message":"..."}]) and keeps
 * only the well-formed ones; bad JSON gives no problems, not an error.
 */
export function parseProblems(json) {
  let list;
  try {
    list = JSON.parse(json || "[]");
  } catch (e) {
    console.warn("editor: problems are not valid JSON", e);
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.filter((p) => p && typeof p.message === "string" && p.message !== "");
}

function toDiagnostic(doc, p) {
  let n = Number(p.line);
  if (!Number.isInteger(n)) n = 1;
  n = Math.min(Math.max(n, 1), doc.lines);
  const line = doc.line(n);
  return {
    from: line.from,
    to: line.to,
    severity: p.severity === "warning" ? "warning" : "error",
    message: p.message,
  };
}

/** Replaces the editor's problem markers with these problems. */
export function showProblems(view, problems) {
  const doc = view.state.doc;
  view.dispatch(setDiagnostics(view.state, problems.map((p) => toDiagnostic(doc, p))));
}

function problemAt(state) {
  const line = state.doc.lineAt(state.selection.main.head);
  let found = null;
  forEachDiagnostic(state, (d, from) => {
    if (!found && state.doc.lineAt(from).number === line.number) found = d;
  });
  return found && { line: line.number, diagnostic: found };
}

function describe(p) {
  const kind = p.diagnostic.severity === "warning" ? "Warning" : "Problem";
  return `${kind} on line ${p.line}: ${p.diagnostic.message}`;
}

// The panel is always there, so the live region exists before it has
// anything to say; it is empty while the cursor's line has no problem.
function problemPanel(view) {
  const dom = document.createElement("div");
  dom.className = "cm-problem-panel";
  dom.setAttribute("role", "status");
  const render = (state) => {
    const p = problemAt(state);
    const text = p ? describe(p) : "";
    if (dom.textContent !== text) dom.textContent = text;
    // Empty, it stays in the page (a hidden live region says nothing when
    // it fills) but takes no room.
    dom.classList.toggle("cm-problem-panel-empty", !text);
  };
  render(view.state);
  return {
    dom,
    update(u) {
      const changed = u.transactions.some((tr) => tr.effects.some((e) => e.is(setDiagnosticsEffect)));
      if (u.selectionSet || u.docChanged || changed) render(u.state);
    },
  };
}

const panel = StateField.define({
  create: () => problemPanel,
  update: (v) => v,
  provide: (f) => showPanel.from(f),
});

/**
 * The problem markers, the panel, and the keys to reach problems: F8 and
 * Shift-F8 move to the next and previous one, Ctrl/Cmd-Shift-M opens the
 * list of them.
 */
export function problems() {
  return [
    lintGutter(),
    panel,
    keymap.of([{ key: "Shift-F8", run: previousDiagnostic }, ...lintKeymap]),
    EditorView.contentAttributes.of({ "aria-keyshortcuts": "F8 Shift+F8" }),
  ];
}
