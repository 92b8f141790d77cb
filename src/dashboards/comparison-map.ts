import { tileOf } from "../territories/tile-grid.js";
import { numberFormat } from "./cell-format.js";

/**
 * The comparison's map (issue 19): a server-drawn SVG tile map (src/territories/tile-grid.ts), one
 * square per département shaded by its rate in five classes of equal counts, cropped to the
 * départements shown (a région for a DREETS, France for the DGEFP). A picture of the table beside it,
 * which holds the values, the ranks and the links: the map has no links of its own and says so.
 */

export interface MapTile {
  code: string;
  label: string;
  rate: number | null;
}

/** DSFR's blue-france scale, light to dark; the text turns white on the two darkest. */
const CLASSES = ["#ececfe", "#cacafb", "#8585f6", "#4a4ad8", "#000091"] as const;
const NO_DATA = "#eeeeee";
const GAP = 3;

const percent = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A rate in %, one decimal, as the table and the map both write it. */
export function rateText(rate: number | null): string {
  return rate === null ? "pas de donnée" : `${percent.format(rate)} %`;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function comparisonMap(
  tiles: MapTile[],
  title: string,
): { svg: string; legend: Array<{ label: string; colour: string }> } | null {
  const placed = tiles.flatMap((t) => {
    const tile = tileOf(t.code);
    return tile ? [{ ...t, ...tile }] : [];
  });
  if (placed.length === 0) return null;
  const rates = placed.flatMap((t) => (t.rate === null ? [] : [t.rate])).sort((a, b) => a - b);
  const classes = Math.min(CLASSES.length, new Set(rates).size);
  // Upper bounds of equal-count classes (quantiles), so every shade holds about as many départements.
  const bounds = Array.from(
    { length: classes },
    (_, i) => rates[Math.ceil(((i + 1) * rates.length) / classes) - 1]!,
  );
  const shadeOf = (rate: number) => {
    const i = bounds.findIndex((b) => rate <= b);
    return classes === 1 ? CLASSES[2] : CLASSES[Math.round((i * (CLASSES.length - 1)) / (classes - 1))]!;
  };
  const minCol = Math.min(...placed.map((t) => t.col));
  const minRow = Math.min(...placed.map((t) => t.row));
  const cols = Math.max(...placed.map((t) => t.col)) - minCol + 1;
  const rows = Math.max(...placed.map((t) => t.row)) - minRow + 1;
  // A région's few tiles drawn larger than France's hundred: about 400 pixels wide either way.
  const CELL = Math.max(40, Math.min(88, Math.floor(400 / cols)));
  const width = cols * CELL;
  const height = rows * CELL;
  const squares = placed.map((t) => {
    const x = (t.col - minCol) * CELL;
    const y = (t.row - minRow) * CELL;
    const fill = t.rate === null ? NO_DATA : shadeOf(t.rate);
    const dark = fill === CLASSES[3] || fill === CLASSES[4];
    return (
      `<g><title>${escapeXml(`${t.label} : ${rateText(t.rate)}`)}</title>` +
      `<rect x="${x + GAP / 2}" y="${y + GAP / 2}" width="${CELL - GAP}" height="${CELL - GAP}" rx="3" fill="${fill}" stroke="#3a3a3a" stroke-width="0.5"/>` +
      `<text x="${x + CELL / 2}" y="${y + CELL / 2 + Math.round(CELL / 9)}" text-anchor="middle" font-size="${Math.round(CELL / 3)}" font-family="Marianne, Arial, sans-serif" fill="${dark ? "#ffffff" : "#161616"}">${escapeXml(t.code)}</text></g>`
    );
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" class="pilotage-carte-comparaison" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(`Carte : ${title}, par département. Les valeurs et les rangs sont dans le tableau.`)}">` +
    squares.join("") +
    `</svg>`;
  const legend: Array<{ label: string; colour: string }> = bounds.map((upper, i) => {
    const lower = i === 0 ? rates[0]! : bounds[i - 1]!;
    return {
      label:
        i === 0
          ? `de ${percent.format(lower)} à ${percent.format(upper)} %`
          : `plus de ${percent.format(lower)} à ${percent.format(upper)} %`,
      colour: shadeOf(upper),
    };
  });
  if (placed.some((t) => t.rate === null)) legend.push({ label: "pas de donnée", colour: NO_DATA });
  return { svg, legend };
}
