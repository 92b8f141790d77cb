/**
 * Where a question's SQL has its `$n` placeholders and whether it holds several statements, read as
 * Postgres' lexer reads it (literals, quoted identifiers, nested block comments and dollar quotes are
 * not code). The COPY path rewrites placeholders at these offsets; both export paths refuse several
 * statements.
 */

/** Offsets of the `$n` placeholders that are SQL, not text inside literals, identifiers or comments. */
export function placeholderPositions(sql: string): Array<{ start: number; end: number; index: number }> {
  return [...maskNonCode(sql).matchAll(/(?<![A-Za-z0-9_$])\$(\d+)/g)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    index: Number(m[1]),
  }));
}

/** True when the SQL holds a `;` outside literals and comments that is followed by more SQL. */
export function hasSeveralStatements(sql: string): boolean {
  const masked = maskNonCode(sql);
  const at = masked.indexOf(";");
  return at !== -1 && masked.slice(at + 1).trim().length > 0;
}

/** The SQL with literals, quoted identifiers and comments blanked out (same length). */
function maskNonCode(sql: string): string {
  const out = sql.split("");
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < Math.min(to, out.length); k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const start = i;
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
      blank(start, i);
    } else if (c === "-" && next === "-") {
      const start = i;
      while (i < sql.length && sql[i] !== "\n") i++;
      blank(start, i);
    } else if (c === "/" && next === "*") {
      // Postgres nests block comments.
      const start = i;
      let depth = 0;
      while (i < sql.length) {
        if (sql[i] === "/" && sql[i + 1] === "*") {
          depth++;
          i += 2;
        } else if (sql[i] === "*" && sql[i + 1] === "/") {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      blank(start, i);
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const previous = i > 0 ? sql[i - 1]! : " ";
      if (tag && !/[A-Za-z0-9_]/.test(previous)) {
        const start = i;
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? sql.length : end + tag[0].length;
        blank(start, i);
      } else i++;
    } else i++;
  }
  return out.join("");
}
