import { NativeQueryError } from "./errors.js";

/**
 * Metabase's native-query parser, read in `metabase.lib.parse` (v51+, which `driver.common.parameters.parse`
 * calls) and, for `quotes: false`, in the older `driver/common/parameters/parse.clj` (v50: no single-quote
 * token, PR #46547 added it in August 2024). Written from those files, not from src/template/.
 *
 * Tokenising splits the text on each pattern in turn, in Metabase's order; parsing walks the tokens with an
 * optional-clause level, a `{{` level, a comment mode and (v51+) an "inside a quoted string" flag.
 */

export type Parsed = string | { param: string } | { optional: Parsed[] };

type Token = { token: TokenName; text: string };
type TokenName =
  | "block-comment-begin"
  | "block-comment-end"
  | "line-comment-begin"
  | "newline"
  | "optional-begin"
  | "optional-end"
  | "param-begin"
  | "param-end"
  | "single-quote";
type Piece = string | Token;

const SQL_PATTERNS: [string | RegExp, TokenName][] = [
  ["/*", "block-comment-begin"],
  ["*/", "block-comment-end"],
  ["--", "line-comment-begin"],
  ["\n", "newline"],
  ["[[", "optional-begin"],
  ["]]", "optional-end"],
  [/\{\{(?!\{)/s, "param-begin"],
  ["}}", "param-end"],
  ["'", "single-quote"],
];

function findToken(s: string, pattern: string | RegExp): [number, string] | undefined {
  if (typeof pattern === "string") {
    const index = s.indexOf(pattern);
    return index < 0 ? undefined : [index, pattern];
  }
  const m = pattern.exec(s);
  return m ? [m.index, m[0]] : undefined;
}

function tokenizeOne(s: string, pattern: string | RegExp, token: TokenName): Piece[] {
  const acc: Piece[] = [];
  let rest = s;
  while (rest !== "") {
    const found = findToken(rest, pattern);
    if (!found) {
      acc.push(rest);
      break;
    }
    const [index, text] = found;
    acc.push(rest.slice(0, index), { token, text });
    rest = rest.slice(index + text.length);
  }
  return acc;
}

function tokenize(s: string, quotes: boolean): Piece[] {
  let pieces: Piece[] = [s];
  for (const [pattern, token] of SQL_PATTERNS) {
    if (token === "single-quote" && !quotes) continue;
    pieces = pieces
      .flatMap((p) => (typeof p === "string" ? tokenizeOne(p, pattern, token) : [p]))
      .filter((p) => typeof p !== "string" || p !== "");
  }
  return pieces;
}

/** Clojure's `str/trim` (Java `Character.isWhitespace`). */
function clojureTrim(s: string): string {
  const ws =
    "[\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000]";
  return s.replace(new RegExp(`^${ws}+|${ws}+$`, "g"), "");
}

function combineAdjacentStrings(items: Parsed[]): Parsed[] {
  const out: Parsed[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (typeof item === "string" && typeof last === "string") out[out.length - 1] = last + item;
    else out.push(item);
  }
  return out;
}

class ParseError {
  constructor(readonly message: string) {}
}

const INVALID_PARAM = "Invalid '{{...}}' clause: expected a param name";
const EMPTY_PARAM = "'{{...}}' clauses cannot be empty.";
const EMPTY_OPTIONAL = "[[...]] clauses must contain at least one '{{...}}' clause.";
const UNBALANCED = "Invalid query: found '[[' or '{{' with no matching ']]' or '}}'";

class Parser {
  constructor(
    private readonly tokens: Piece[],
    private readonly quotes: boolean,
  ) {}

  private param(parsed: Parsed[]): Parsed {
    const [k, ...more] = this.quotes ? combineAdjacentStrings(parsed) : parsed;
    if (more.length > 0 || typeof k !== "string") throw new ParseError(INVALID_PARAM);
    const name = clojureTrim(k);
    if (name === "") throw new ParseError(EMPTY_PARAM);
    return { param: name };
  }

  private optional(parsed: Parsed[]): Parsed {
    if (!parsed.some((p) => typeof p === "object" && "param" in p)) throw new ParseError(EMPTY_OPTIONAL);
    return { optional: combineAdjacentStrings(parsed) };
  }

  /** `parse-tokens*`: the parsed items and the index of the first token not consumed. */
  parse(
    start: number,
    optionalLevel: number,
    paramLevel: number,
    inStringAtStart: boolean,
    commentMode: TokenName | null,
  ): [Parsed[], number] {
    const acc: Parsed[] = [];
    let inString = inStringAtStart;
    let i = start;
    for (;;) {
      const piece = this.tokens[i];
      if (piece === undefined) {
        if (optionalLevel > 0 || paramLevel > 0) throw new ParseError(UNBALANCED);
        return [acc, i];
      }
      i++;
      if (typeof piece === "string") {
        acc.push(piece);
        continue;
      }
      const { token, text } = piece;
      if (token === "optional-begin" || token === "param-begin") {
        if (commentMode) {
          acc.push(text);
          continue;
        }
        const optional = token === "optional-begin";
        try {
          const [inner, next] = this.parse(
            i,
            optionalLevel + (optional ? 1 : 0),
            paramLevel + (optional ? 0 : 1),
            inString,
            commentMode,
          );
          acc.push(optional ? this.optional(inner) : this.param(inner));
          i = next;
        } catch (error) {
          // v51+: inside a quoted string a malformed clause stays text, and parsing resumes after its opener.
          if (!(error instanceof ParseError) || !inString) throw error;
          acc.push(text);
        }
      } else if (token === "line-comment-begin" || token === "block-comment-begin") {
        const literal = this.quotes
          ? commentMode || optionalLevel > 0 || paramLevel > 0 || inString
          : commentMode || optionalLevel > 0;
        if (literal) {
          acc.push(text);
          continue;
        }
        const [inner, next] = this.parse(i, optionalLevel, paramLevel, inString, token);
        acc.push(text, ...inner);
        i = next;
      } else if (token === "block-comment-end") {
        acc.push(text);
        if (commentMode === "block-comment-begin") return [acc, i];
      } else if (token === "newline") {
        acc.push(text);
        if (commentMode === "line-comment-begin") return [acc, i];
      } else if (token === "optional-end") {
        if (optionalLevel > 0) return [acc, i];
        acc.push(text);
      } else if (token === "param-end") {
        if (paramLevel > 0) return [acc, i];
        acc.push(text);
      } else {
        acc.push(text);
        inString = !inString;
      }
    }
  }
}

/** `parse`: text fragments, `{param}` and `{optional}`; throws NativeQueryError (`invalid-query`). */
export function parseNative(sql: string, options: { quotes: boolean }): Parsed[] {
  const tokens = tokenize(sql, options.quotes);
  if (tokens.length === 1 && tokens[0] === sql) return [sql];
  if (tokens.length === 0) return [];
  try {
    return combineAdjacentStrings(new Parser(tokens, options.quotes).parse(0, 0, 0, false, null)[0]);
  } catch (error) {
    if (error instanceof ParseError) throw new NativeQueryError(error.message, "invalid-query");
    throw error;
  }
}
