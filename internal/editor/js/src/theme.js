// The editor's look: dark text on white at high contrast, and every
// highlight that matters carried by more than colour (bold headings,
// italic comments, underlined links, boxed template actions, a "!" in the
// gutter for a problem), so it still reads in forced-colours mode.
import { EditorView } from "@codemirror/view";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

const focus = "#1a4fa0";

const base = EditorView.theme({
  "&": {
    color: "#111",
    backgroundColor: "#fff",
    border: "1px solid #595959",
    borderRadius: "4px",
    fontSize: "15px",
    maxHeight: "75vh",
  },
  "&.cm-focused": { outline: `3px solid ${focus}`, outlineOffset: "2px" },
  ".cm-scroller": {
    overflow: "auto",
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    lineHeight: "1.5",
  },
  ".cm-content": { caretColor: "#000" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#000", borderLeftWidth: "2px" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "#b3d1ff",
  },
  ".cm-gutters": { backgroundColor: "#f2f2f2", color: "#4a4a4a", borderRight: "1px solid #8c8c8c" },
  ".cm-activeLine": { backgroundColor: "#f5f8ff" },
  ".cm-activeLineGutter": { backgroundColor: "#dde7f7", color: "#111", fontWeight: "bold" },
  ".cm-template-action": {
    color: "#5a2d00",
    backgroundColor: "#fff3d6",
    outline: "1px solid #b36b00",
    borderRadius: "2px",
  },
  ".cm-lintRange-error": {
    backgroundImage: "none",
    textDecoration: "underline wavy #c00000",
    textDecorationSkipInk: "none",
    textUnderlineOffset: "3px",
  },
  ".cm-lintRange-warning": {
    backgroundImage: "none",
    textDecoration: "underline dashed #8a5a00",
    textUnderlineOffset: "3px",
  },
  // A shape with a symbol in it, not a coloured dot: "!" for an error, "?"
  // for a warning.
  ".cm-lint-marker": {
    content: "normal",
    width: "1.1em",
    height: "1.1em",
    lineHeight: "1.1em",
    textAlign: "center",
    fontWeight: "bold",
    fontFamily: "system-ui, sans-serif",
    borderRadius: "2px",
  },
  ".cm-lint-marker-error": { backgroundColor: "#c00000", color: "#fff" },
  ".cm-lint-marker-error::before": { content: '"!"' },
  ".cm-lint-marker-warning": { backgroundColor: "#8a5a00", color: "#fff" },
  ".cm-lint-marker-warning::before": { content: '"?"' },
  ".cm-tooltip": { border: "1px solid #595959", backgroundColor: "#fff", color: "#111" },
  ".cm-problem-panel": {
    padding: "4px 8px",
    borderTop: "1px solid #595959",
    backgroundColor: "#fff4f4",
    color: "#111",
    fontFamily: "system-ui, sans-serif",
  },
  ".cm-problem-panel-empty": { padding: "0", borderTop: "none" },
  ".cm-panels": { backgroundColor: "#f2f2f2", color: "#111" },
  ".cm-panel input, .cm-panel button, .cm-panel label": { fontSize: "14px" },
  ".cm-panel button:focus-visible, .cm-panel input:focus-visible": {
    outline: `2px solid ${focus}`,
    outlineOffset: "1px",
  },
  ".cm-searchMatch": { backgroundColor: "#ffe066", outline: "1px solid #8a6d00" },
  ".cm-searchMatch-selected": { backgroundColor: "#ffb347" },
});

const highlight = HighlightStyle.define([
  { tag: t.heading, fontWeight: "bold", color: "#00307a" },
  { tag: t.heading1, fontWeight: "bold", color: "#00307a", textDecoration: "underline" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.strikethrough, textDecoration: "line-through" },
  { tag: [t.link, t.url], color: "#0645ad", textDecoration: "underline" },
  { tag: t.monospace, color: "#7a1035" },
  { tag: t.quote, fontStyle: "italic", color: "#3d3d3d" },
  { tag: [t.processingInstruction, t.contentSeparator, t.list], color: "#5c3c00", fontWeight: "bold" },
  { tag: t.comment, fontStyle: "italic", color: "#4f5257" },
  { tag: [t.tagName, t.keyword, t.definitionKeyword], color: "#6a1b6e", fontWeight: "bold" },
  { tag: [t.attributeName, t.propertyName], color: "#7a3e00" },
  { tag: [t.string, t.attributeValue], color: "#0b5b0b" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "#00307a" },
  { tag: [t.angleBracket, t.punctuation, t.separator, t.meta], color: "#4a4a4a" },
  { tag: t.invalid, color: "#c00000", textDecoration: "underline" },
]);

/** The theme and the highlighting, as one extension. */
export const theme = [base, syntaxHighlighting(highlight)];
