import { TemplateError } from "./errors.js";

/**
 * Metabase's native-query parser (`metabase.lib.parse`), rule for rule: reference/metabase-contract.md §3.1.
 *
 * The tokenizer splits the text on each token pattern in turn (block comments first, the single quote last),
 * as Metabase does; a one-pass scanner would disagree on inputs such as `*\/*`. Parsing then walks the tokens
 * with an optional-clause depth, a `{{` depth, an "inside a single-quoted string" flag and a comment mode.
 */

export type TemplateNode =
  | { type: "text"; text: string }
  /**
   * `{{ name }}`: `name` is trimmed, `source` is the text between the delimiters, `offset` that of `{{`, and
   * `close` the closing delimiter, which inside an optional clause may be `]]` (`[[{{x]]` is tag x, as in
   * Metabase).
   */
  | { type: "tag"; name: string; source: string; offset: number; close: "}}" | "]]" }
  /** `[[ … ]]`, brackets removed; `offset` is that of `[[`. */
  | { type: "optional"; children: TemplateNode[]; offset: number };

type TokenKind =
  | "block-comment-begin"
  | "block-comment-end"
  | "line-comment-begin"
  | "newline"
  | "optional-begin"
  | "optional-end"
  | "param-begin"
  | "param-end"
  | "single-quote";

interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}
interface Text {
  kind: "text";
  text: string;
  offset: number;
}
type Piece = Token | Text;

const PATTERNS: ReadonlyArray<readonly [string | RegExp, TokenKind]> = [
  ["/*", "block-comment-begin"],
  ["*/", "block-comment-end"],
  ["--", "line-comment-begin"],
  ["\n", "newline"],
  ["[[", "optional-begin"],
  ["]]", "optional-end"],
  // `{{` only when not followed by a third `{`: `{{{x}}}` is `{` + {{x}} + `}`.
  [/\{\{(?!\{)/g, "param-begin"],
  ["}}", "param-end"],
  ["'", "single-quote"],
];

function find(text: string, pattern: string | RegExp, from: number): { index: number; match: string } | null {
  if (typeof pattern === "string") {
    const index = text.indexOf(pattern, from);
    return index < 0 ? null : { index, match: pattern };
  }
  pattern.lastIndex = from;
  const m = pattern.exec(text);
  return m ? { index: m.index, match: m[0] } : null;
}

function tokenize(sql: string): Piece[] {
  let pieces: Piece[] = [{ kind: "text", text: sql, offset: 0 }];
  for (const [pattern, kind] of PATTERNS) {
    const next: Piece[] = [];
    for (const piece of pieces) {
      if (piece.kind !== "text") {
        next.push(piece);
        continue;
      }
      let from = 0;
      for (;;) {
        const found = find(piece.text, pattern, from);
        if (!found) break;
        if (found.index > from) {
          next.push({ kind: "text", text: piece.text.slice(from, found.index), offset: piece.offset + from });
        }
        next.push({ kind, text: found.match, offset: piece.offset + found.index });
        from = found.index + found.match.length;
      }
      if (from < piece.text.length) {
        next.push({ kind: "text", text: piece.text.slice(from), offset: piece.offset + from });
      }
    }
    pieces = next;
  }
  return pieces;
}

/**
 * Thrown inside the parser; Metabase turns some of these into literal text (inside quotes), see below. Not an
 * Error: a malformed clause in a string is retried from every later `{{`, and capturing a stack trace for each
 * retry dominates the cost.
 */
class ParseFailure {
  constructor(readonly message: string) {}
}

type Parsed =
  | { kind: "text"; text: string }
  | { kind: "tag"; name: string; source: string; offset: number; close: "}}" | "]]" }
  | { kind: "optional"; contents: Parsed[]; offset: number };

type CommentMode = "block-comment-begin" | "line-comment-begin" | null;

/** Java's Character.isWhitespace, which Clojure's `str/trim` uses (no-break spaces are not whitespace). */
export function isJavaWhitespace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f)) return true;
  if (code === 0x1680 || (code >= 0x2000 && code <= 0x2006) || (code >= 0x2008 && code <= 0x200a))
    return true;
  return code === 0x2028 || code === 0x2029 || code === 0x205f || code === 0x3000;
}

export function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isJavaWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isJavaWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function combineAdjacentText(items: Parsed[]): Parsed[] {
  const out: Parsed[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (item.kind === "text" && last?.kind === "text") {
      out[out.length - 1] = { kind: "text", text: last.text + item.text };
    } else {
      out.push(item);
    }
  }
  return out;
}

class Parser {
  /**
   * Clauses already known to fail, by where they start and the parser state: a malformed clause inside a
   * string is retried from each later `{{`, which without this is exponential in the number of `{{`. The
   * outcome depends only on whether each depth is zero, so the key is exact.
   */
  private readonly failures = new Map<string, string>();

  constructor(private readonly tokens: Piece[]) {}

  /** Returns the parsed items, the index of the first token not consumed, and the token that ended them. */
  parse(
    start: number,
    optionalLevel: number,
    paramLevel: number,
    inStringAtStart: boolean,
    commentMode: CommentMode,
  ): [Parsed[], number, string?] {
    const acc: Parsed[] = [];
    let inString = inStringAtStart;
    let i = start;
    for (;;) {
      const piece = this.tokens[i];
      if (piece === undefined) {
        if (optionalLevel > 0 || paramLevel > 0) {
          throw new ParseFailure("Invalid query: found '[[' or '{{' with no matching ']]' or '}}'");
        }
        return [acc, i];
      }
      i++;
      if (piece.kind === "text") {
        acc.push({ kind: "text", text: piece.text });
        continue;
      }
      switch (piece.kind) {
        case "optional-begin":
        case "param-begin": {
          if (commentMode) {
            acc.push({ kind: "text", text: piece.text });
            break;
          }
          const isOptional = piece.kind === "optional-begin";
          const nextOptional = optionalLevel + (isOptional ? 1 : 0);
          const nextParam = paramLevel + (isOptional ? 0 : 1);
          const key = `${i}:${isOptional}:${nextOptional > 0}:${nextParam > 0}:${inString}`;
          try {
            const known = this.failures.get(key);
            if (known !== undefined) throw new ParseFailure(known);
            try {
              const [inner, next, close] = this.parse(i, nextOptional, nextParam, inString, commentMode);
              acc.push(isOptional ? optional(inner, piece.offset) : param(inner, piece.offset, close));
              i = next;
            } catch (error) {
              if (error instanceof ParseFailure) this.failures.set(key, error.message);
              throw error;
            }
          } catch (error) {
            // Inside a quoted string a malformed clause stays literal text and parsing resumes right after it.
            if (!(error instanceof ParseFailure) || !inString) throw error;
            acc.push({ kind: "text", text: piece.text });
          }
          break;
        }
        case "line-comment-begin":
        case "block-comment-begin": {
          if (commentMode || optionalLevel > 0 || paramLevel > 0 || inString) {
            acc.push({ kind: "text", text: piece.text });
            break;
          }
          const [inner, next] = this.parse(i, optionalLevel, paramLevel, inString, piece.kind);
          acc.push({ kind: "text", text: piece.text }, ...inner);
          i = next;
          break;
        }
        case "block-comment-end":
          acc.push({ kind: "text", text: piece.text });
          if (commentMode === "block-comment-begin") return [acc, i];
          break;
        case "newline":
          acc.push({ kind: "text", text: piece.text });
          if (commentMode === "line-comment-begin") return [acc, i];
          break;
        case "optional-end":
          if (optionalLevel > 0) return [acc, i, piece.text];
          acc.push({ kind: "text", text: piece.text });
          break;
        case "param-end":
          if (paramLevel > 0) return [acc, i, piece.text];
          acc.push({ kind: "text", text: piece.text });
          break;
        case "single-quote":
          acc.push({ kind: "text", text: piece.text });
          inString = !inString;
          break;
      }
    }
  }
}

function param(parsed: Parsed[], offset: number, close: string | undefined): Parsed {
  const [first, ...more] = combineAdjacentText(parsed);
  if (more.length > 0 || first?.kind !== "text") {
    throw new ParseFailure("Invalid '{{...}}' clause: expected a param name");
  }
  const name = javaTrim(first.text);
  if (name === "") throw new ParseFailure("'{{...}}' clauses cannot be empty.");
  return { kind: "tag", name, source: first.text, offset, close: close === "]]" ? "]]" : "}}" };
}

function optional(parsed: Parsed[], offset: number): Parsed {
  // Only direct children count: `[[ [[{{a}}]] ]]` is refused, as in Metabase.
  if (!parsed.some((item) => item.kind === "tag")) {
    throw new ParseFailure("[[...]] clauses must contain at least one '{{...}}' clause.");
  }
  return { kind: "optional", contents: combineAdjacentText(parsed), offset };
}

function toNodes(items: Parsed[]): TemplateNode[] {
  return items.map((item): TemplateNode => {
    switch (item.kind) {
      case "text":
        return { type: "text", text: item.text };
      case "tag":
        return { type: "tag", name: item.name, source: item.source, offset: item.offset, close: item.close };
      case "optional":
        return { type: "optional", children: toNodes(item.contents), offset: item.offset };
    }
  });
}

/**
 * Parses native SQL written in Metabase's template language. Throws only TemplateError (code
 * `invalid-query`), with Metabase's message.
 */
export function parseTemplate(sql: string): TemplateNode[] {
  if (sql === "") return [];
  const tokens = tokenize(sql);
  if (tokens.length === 1 && tokens[0]!.kind === "text") return [{ type: "text", text: sql }];
  try {
    const [items] = new Parser(tokens).parse(0, 0, 0, false, null);
    return toNodes(combineAdjacentText(items));
  } catch (error) {
    if (error instanceof ParseFailure) throw new TemplateError(error.message, { code: "invalid-query" });
    // Thousands of nested clauses exhaust the stack (Metabase's recursive parser fails the same way).
    if (error instanceof RangeError) {
      throw new TemplateError("Invalid query: clauses are nested too deeply", { code: "invalid-query" });
    }
    throw error;
  }
}

export interface TagUse {
  name: string;
  /** Offset of `{{` in the SQL. */
  offset: number;
  /** Inside at least one `[[ … ]]`. */
  optional: boolean;
}

/** Every `{{tag}}` of a parsed template, in order, with whether it sits inside an optional clause. */
export function listTagUses(nodes: TemplateNode[], inOptional = false): TagUse[] {
  return nodes.flatMap((node): TagUse[] => {
    if (node.type === "tag") return [{ name: node.name, offset: node.offset, optional: inOptional }];
    if (node.type === "optional") return listTagUses(node.children, true);
    return [];
  });
}
