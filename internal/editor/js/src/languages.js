// The languages an editor can be set to, by its textarea's data-editor.
// HTML is built here from the Lezer parsers (CSS inside <style> and style
// attributes, nothing for <script>), rather than with @codemirror/lang-html,
// which would bring a JavaScript parser a third the size of the bundle
// for templates that have no business running scripts.
import { markdownLanguage, markdownKeymap } from "@codemirror/lang-markdown";
import { yaml, yamlFrontmatter } from "@codemirror/lang-yaml";
import { Language, LanguageSupport, LRLanguage } from "@codemirror/language";
import { Prec } from "@codemirror/state";
import { Decoration, MatchDecorator, ViewPlugin, keymap } from "@codemirror/view";
import { parser as htmlParser, configureNesting } from "@lezer/html";
import { parser as cssParser } from "@lezer/css";
import { parseCode } from "@lezer/markdown";

const htmlTemplate = LRLanguage.define({
  name: "html",
  parser: htmlParser.configure({
    wrap: configureNesting(
      [{ tag: "style", parser: cssParser }],
      [{ name: "style", parser: cssParser.configure({ top: "Styles" }) }],
    ),
  }),
  languageData: { commentTokens: { block: { open: "<!--", close: "-->" } } },
});

// Markdown (GitHub's flavour) with HTML tags in it highlighted as HTML,
// sharing lang-markdown's language data so its list-continuing Enter and
// Backspace recognise it.
const lesson = new Language(
  markdownLanguage.data,
  markdownLanguage.parser.configure(parseCode({ htmlParser: htmlTemplate.parser })),
  [],
  "markdown",
);

// html/template actions ({{.Name}}, {{if ...}}) stand out in every
// language, since a broken one is the commonest template mistake.
const actions = new MatchDecorator({
  regexp: /\{\{.*?\}\}/g,
  decoration: Decoration.mark({ class: "cm-template-action" }),
});

const templateActions = ViewPlugin.define(
  (view) => ({
    decorations: actions.createDeco(view),
    update(u) {
      this.decorations = actions.updateDeco(u, this.decorations);
    },
  }),
  { decorations: (v) => v.decorations },
);

const languages = {
  // A lesson: Markdown, with YAML front matter between --- lines.
  markdown: () =>
    yamlFrontmatter({ content: new LanguageSupport(lesson, Prec.high(keymap.of(markdownKeymap))) }),
  html: () => new LanguageSupport(htmlTemplate),
  yaml: () => yaml(),
  text: () => [],
};

/** The extension for a data-editor value; unknown values get plain text. */
export function language(name) {
  const known = Object.prototype.hasOwnProperty.call(languages, name);
  return [(known ? languages[name] : languages.text)(), templateActions];
}
