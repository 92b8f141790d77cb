import { inlineDollars, inlineQuestionMarks } from "./compare.js";
import type { Row } from "./row.js";
import type { Outcome } from "./run.js";

/**
 * Whether an outcome agrees with Metabase for this row, and if not, why (undefined when it agrees). A renderer
 * that refuses a row must refuse it with its own "unsupported" error, never answer something else.
 */
export function disagreement(row: Row, outcome: Outcome, who: "gateway" | "oracle"): string | undefined {
  const refusal = who === "gateway" ? row.gateway : row.oracle;
  if (refusal && "refuses" in refusal) {
    return outcome.error?.type === "unsupported"
      ? undefined
      : `should refuse (${refusal.refuses}), got ${JSON.stringify(outcome)}`;
  }
  const expect = row.expect;
  if ("error" in expect) {
    if (!outcome.error) return `expected a ${expect.error.type} error, got ${JSON.stringify(outcome)}`;
    if (outcome.error.type !== expect.error.type) {
      return `expected a ${expect.error.type} error, got ${outcome.error.type}: ${outcome.error.message}`;
    }
    if (expect.error.message !== undefined && outcome.error.message !== expect.error.message) {
      return `expected the message ${JSON.stringify(expect.error.message)}, got ${JSON.stringify(outcome.error.message)}`;
    }
    return undefined;
  }
  if (outcome.error) return `expected rows, got a ${outcome.error.type} error: ${outcome.error.message}`;
  const textExempt = who === "gateway" && row.gateway !== undefined && "sqlText" in row.gateway;
  if (expect.sql !== undefined && !textExempt) {
    const want = inlineQuestionMarks(expect.sql, expect.params ?? []);
    const got = inlineDollars(outcome.sql ?? "", outcome.values ?? []);
    if (want !== got) return `SQL differs:\n  Metabase: ${want}\n  rendered: ${got}`;
  }
  if (JSON.stringify(outcome.rows) !== JSON.stringify(expect.rows)) {
    return `rows differ: Metabase ${JSON.stringify(expect.rows)}, rendered ${JSON.stringify(outcome.rows)}`;
  }
  return undefined;
}
