import MarkdownIt from "markdown-it";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import { CITATION } from "../catalog/notes.js";

/**
 * A note's text as HTML (the only importer of markdown-it). Raw HTML in a note is shown as text, never
 * passed through: notes come from the repository, but a stray `<script>` or inline style would break the
 * CSP and the DSFR look alike. `{{id}}` cites a value the page has computed for this reader.
 */

/** What a citation shows: the formatted value, or why there is none. */
export interface CitedValue {
  text: string;
  /** No value on this perimeter (no row, or an empty cell): said in words, not left blank. */
  missing: boolean;
}

/** The catalogue's citation pattern (validate checks what it finds), here at the parser's position. */
const CITATION_HERE = new RegExp(`^${CITATION.source}`);

function citationRule(state: StateInline, silent: boolean): boolean {
  const match = CITATION_HERE.exec(state.src.slice(state.pos));
  if (!match) return false;
  if (!silent) {
    const token = state.push("citation", "", 0);
    token.content = match[1]!;
  }
  state.pos += match[0].length;
  return true;
}

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt("commonmark", { html: false, linkify: false, typographer: false });
  md.enable(["table", "strikethrough"]);
  md.inline.ruler.before("emphasis", "citation", citationRule);
  md.renderer.rules.citation = (tokens, index, _options, env: { values: Map<string, CitedValue> }) => {
    const value = env.values.get(tokens[index]!.content);
    const escape = md.utils.escapeHtml;
    if (!value || value.missing) {
      return `<span class="pilotage-chiffre pilotage-chiffre--absent">${escape(value?.text ?? "donnée indisponible")}</span>`;
    }
    return `<span class="pilotage-chiffre">${escape(value.text)}</span>`;
  };
  // Tables as the DSFR lays them out, scrollable by keyboard on a small screen.
  md.renderer.rules.table_open = () =>
    '<div class="fr-table fr-table--no-caption"><div class="fr-table__wrapper"><div class="fr-table__container" tabindex="0" role="region" aria-label="Tableau"><div class="fr-table__content"><table>\n';
  md.renderer.rules.table_close = () => "</table></div></div></div></div>\n";
  // Links to other sites say so, as the DSFR asks, and open where the reader chooses.
  const defaultLinkOpen =
    md.renderer.rules.link_open ??
    ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
  md.renderer.rules.link_open = (tokens, index, options, env, self) => {
    const token = tokens[index]!;
    if (/^https?:\/\//.test(token.attrGet("href") ?? "")) token.attrSet("rel", "noopener");
    return defaultLinkOpen(tokens, index, options, env, self);
  };
  return md;
}

const renderer = createRenderer();

/** One Markdown part of a note, as HTML, with its citations replaced by this reader's values. */
export function renderNoteMarkdown(text: string, values: ReadonlyMap<string, CitedValue>): string {
  return renderer.render(text, { values });
}
