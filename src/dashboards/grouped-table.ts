import type { ColumnKind } from "../catalog/index.js";
import type { CardTable } from "./card-data.js";
import { formatNumber, formatValue, numberOf } from "./cell-format.js";

/**
 * A long table read as a short one (`group_rows_by:` on a dashboard card): one row per group (a région)
 * with the totals of what adds up (counts, ETP, euros — never a rate or a median), then each group's own
 * rows behind a disclosure, closed. A public page of 600 rows reads as 18 lines.
 */

const ADDITIVE: ReadonlySet<ColumnKind> = new Set(["count", "etp", "euros"]);
const COLLATOR = new Intl.Collator("fr", { numeric: true });

interface Header {
  label: string;
  right: boolean;
}

export interface GroupedTable {
  /** The summary: the group column, then the columns that add up. */
  headers: Header[];
  groups: Array<{ id: string; label: string; totals: string[]; headers: Header[]; cells: string[][] }>;
  /** The whole table's totals, under the summary. */
  total: string[];
}

export function groupRows(table: CardTable, by: string, idPrefix: string): GroupedTable | undefined {
  const groupIndex = table.columns.findIndex((c) => c.name === by);
  if (groupIndex < 0) return undefined;
  const additive = table.columns.flatMap((c, i) => (ADDITIVE.has(c.column.kind) ? [i] : []));
  const detail = table.columns.flatMap((_, i) => (i === groupIndex ? [] : [i]));
  const order: string[] = [];
  const rows = new Map<string, unknown[][]>();
  for (const row of table.rows) {
    const key = formatValue(row[groupIndex], table.columns[groupIndex]!.column) || "(non renseigné)";
    if (!rows.has(key)) {
      order.push(key);
      rows.set(key, []);
    }
    rows.get(key)!.push(row);
  }
  const sums = (list: unknown[][]) =>
    additive.map((i) =>
      formatNumber(
        list.reduce((sum, row) => sum + (numberOf(row[i]) ?? 0), 0),
        table.columns[i]!.column,
      ),
    );
  const detailHeaders = detail.map((i) => ({
    label: table.columns[i]!.label,
    right: table.columns[i]!.right,
  }));
  return {
    headers: [
      { label: table.columns[groupIndex]!.label, right: false },
      ...additive.map((i) => ({ label: table.columns[i]!.label, right: true })),
    ],
    groups: [...order]
      .sort((a, b) => COLLATOR.compare(a, b))
      .map((label, g) => {
        const list = rows.get(label)!;
        return {
          id: `${idPrefix}-groupe-${g + 1}`,
          label,
          totals: sums(list),
          headers: detailHeaders,
          cells: list.map((row) => detail.map((i) => formatValue(row[i], table.columns[i]!.column))),
        };
      }),
    total: sums(table.rows),
  };
}
