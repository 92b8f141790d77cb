/**
 * A tile map of France (issue 19's comparison): each département one square, placed near its
 * prefecture on a coarse grid. Chosen over real outlines because no well-kept package ships simplified
 * département shapes we could install without install scripts, and because equal tiles keep the small
 * départements of the Petite Couronne (75, 92, 93, 94) as visible as the Gironde — the table beside the
 * map stays the accessible truth, the map a picture of it. The overseas départements sit in a row below.
 */

/** Prefectures, [latitude, longitude], rounded: only the tiles' placement depends on them. */
const PREFECTURES: Record<string, readonly [number, number]> = {
  "75": [48.86, 2.35],
  "92": [48.89, 2.21],
  "93": [48.91, 2.44],
  "94": [48.79, 2.46],
  "77": [48.54, 2.66],
  "78": [48.8, 2.13],
  "91": [48.63, 2.44],
  "95": [49.04, 2.08],
  "01": [46.2, 5.22],
  "02": [49.56, 3.62],
  "03": [46.57, 3.33],
  "04": [44.09, 6.24],
  "05": [44.56, 6.08],
  "06": [43.7, 7.27],
  "07": [44.74, 4.6],
  "08": [49.77, 4.72],
  "09": [42.97, 1.61],
  "10": [48.3, 4.08],
  "11": [43.21, 2.35],
  "12": [44.35, 2.57],
  "13": [43.3, 5.37],
  "14": [49.18, -0.37],
  "15": [44.93, 2.44],
  "16": [45.65, 0.16],
  "17": [46.16, -1.15],
  "18": [47.08, 2.4],
  "19": [45.27, 1.77],
  "21": [47.32, 5.04],
  "22": [48.51, -2.76],
  "23": [46.17, 1.87],
  "24": [45.18, 0.72],
  "25": [47.24, 6.02],
  "26": [44.93, 4.89],
  "27": [49.02, 1.15],
  "28": [48.45, 1.49],
  "29": [48.0, -4.1],
  "2A": [41.93, 8.74],
  "2B": [42.7, 9.45],
  "30": [43.84, 4.36],
  "31": [43.6, 1.44],
  "32": [43.65, 0.59],
  "33": [44.84, -0.58],
  "34": [43.61, 3.88],
  "35": [48.11, -1.68],
  "36": [46.81, 1.69],
  "37": [47.39, 0.69],
  "38": [45.19, 5.72],
  "39": [46.67, 5.55],
  "40": [43.89, -0.5],
  "41": [47.59, 1.33],
  "42": [45.44, 4.39],
  "43": [45.04, 3.88],
  "44": [47.22, -1.55],
  "45": [47.9, 1.91],
  "46": [44.45, 1.44],
  "47": [44.2, 0.62],
  "48": [44.52, 3.5],
  "49": [47.47, -0.55],
  "50": [49.12, -1.09],
  "51": [48.96, 4.36],
  "52": [48.11, 5.14],
  "53": [48.07, -0.77],
  "54": [48.69, 6.18],
  "55": [48.77, 5.16],
  "56": [47.66, -2.76],
  "57": [49.12, 6.18],
  "58": [46.99, 3.16],
  "59": [50.63, 3.06],
  "60": [49.43, 2.08],
  "61": [48.43, 0.09],
  "62": [50.29, 2.78],
  "63": [45.78, 3.08],
  "64": [43.3, -0.37],
  "65": [43.23, 0.08],
  "66": [42.7, 2.9],
  "67": [48.57, 7.75],
  "68": [48.08, 7.36],
  "69": [45.76, 4.84],
  "70": [47.62, 6.15],
  "71": [46.31, 4.83],
  "72": [48.0, 0.2],
  "73": [45.57, 5.92],
  "74": [45.9, 6.13],
  "76": [49.44, 1.1],
  "79": [46.32, -0.46],
  "80": [49.89, 2.3],
  "81": [43.93, 2.15],
  "82": [44.02, 1.35],
  "83": [43.12, 5.93],
  "84": [43.95, 4.81],
  "85": [46.67, -1.43],
  "86": [46.58, 0.34],
  "87": [45.83, 1.26],
  "88": [48.17, 6.45],
  "89": [47.8, 3.57],
  "90": [47.64, 6.86],
};

const OVERSEAS = ["971", "972", "973", "974", "976"] as const;

/** Grid steps: about 70 km each way at the latitude of France. */
const LON_STEP = 0.95;
const LAT_STEP = 0.64;

export interface Tile {
  code: string;
  col: number;
  row: number;
}

/**
 * Île-de-France by hand, around Paris: its prefectures are too close for the grid to tell apart, and an
 * agent of the région reads this arrangement at a glance (92 west, 93 north-east, 94 south-east…).
 */
const ILE_DE_FRANCE: Record<string, readonly [number, number]> = {
  "95": [-1, -1],
  "93": [0, -1],
  "78": [-2, 0],
  "92": [-1, 0],
  "75": [0, 0],
  "77": [1, 0],
  "91": [-1, 1],
  "94": [0, 1],
};

function layout(): Map<string, Tile> {
  const taken = new Set<string>();
  const tiles = new Map<string, Tile>();
  const [parisLat, parisLon] = PREFECTURES["75"]!;
  const paris = { col: Math.floor((parisLon + 5) / LON_STEP), row: Math.floor((51.2 - parisLat) / LAT_STEP) };
  for (const [code, [dc, dr]] of Object.entries(ILE_DE_FRANCE)) {
    const tile = { code, col: paris.col + dc, row: paris.row + dr };
    taken.add(`${tile.col},${tile.row}`);
    tiles.set(code, tile);
  }
  for (const code of Object.keys(PREFECTURES)) {
    if (tiles.has(code)) continue;
    const [lat, lon] = PREFECTURES[code]!;
    const x = (lon + 5) / LON_STEP;
    const y = (51.2 - lat) / LAT_STEP;
    const cell = nearestFree(x, y, taken);
    taken.add(`${cell.col},${cell.row}`);
    tiles.set(code, { code, ...cell });
  }
  const bottom = Math.max(...[...tiles.values()].map((t) => t.row)) + 2;
  OVERSEAS.forEach((code, i) => tiles.set(code, { code, col: i, row: bottom }));
  return tiles;
}

function nearestFree(x: number, y: number, taken: Set<string>): { col: number; row: number } {
  for (let radius = 0; radius < 6; radius++) {
    const candidates: Array<{ col: number; row: number; d: number }> = [];
    for (let col = Math.floor(x) - radius; col <= Math.ceil(x) + radius; col++)
      for (let row = Math.floor(y) - radius; row <= Math.ceil(y) + radius; row++)
        if (!taken.has(`${col},${row}`))
          candidates.push({ col, row, d: (col + 0.5 - x) ** 2 + (row + 0.5 - y) ** 2 });
    if (candidates.length > 0) {
      candidates.sort((a, b) => a.d - b.d || a.row - b.row || a.col - b.col);
      return { col: candidates[0]!.col, row: candidates[0]!.row };
    }
  }
  throw new Error("tile grid: no free cell");
}

const TILES = layout();

/** The tile of a département, or undefined for a code the grid does not know. */
export function tileOf(code: string): Tile | undefined {
  return TILES.get(code);
}
