import { GRACE_AFTER_RECOVERY_MS, type FaultWindow, type Sample } from "./recorder.js";
import type { RssSample } from "./rss.js";

/**
 * A small SVG of the run: answers per second (all, and 5xx or none) with the fault windows shaded, and
 * each gateway process's resident memory below. Self-contained, for a browser or a pull request.
 */
const WIDTH = 900;
const PANEL = 180;
const LEFT = 60;
const TOP = 30;
const GAP = 50;
const BUCKET_MS = 5_000;

const escape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function polyline(points: [number, number][], colour: string): string {
  const d = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${d}"/>`;
}

export function soakChart(options: {
  durationMs: number;
  samples: readonly Sample[];
  windows: readonly FaultWindow[];
  rss: readonly RssSample[];
}): string {
  const { durationMs, samples, windows, rss } = options;
  const plotWidth = WIDTH - LEFT - 20;
  const x = (ms: number) => LEFT + (ms / Math.max(durationMs, 1)) * plotWidth;
  // Whole buckets only: a last partial one would read as a drop.
  const buckets = Math.max(1, Math.floor(durationMs / BUCKET_MS));
  const all = new Array<number>(buckets).fill(0);
  const failed = new Array<number>(buckets).fill(0);
  for (const s of samples) {
    const i = Math.floor(s.at / BUCKET_MS);
    if (i >= buckets) continue;
    all[i]! += 1000 / BUCKET_MS;
    if (s.status === 0 || s.status >= 500) failed[i]! += 1000 / BUCKET_MS;
  }
  const top = Math.max(1, ...all);
  const y1 = (v: number) => TOP + PANEL - (v / top) * PANEL;
  const rssTop = Math.max(1, ...rss.map((s) => s.rssMb)) * 1.1;
  const y2Base = TOP + PANEL + GAP;
  const y2 = (mb: number) => y2Base + PANEL - (mb / rssTop) * PANEL;
  const centre = (i: number) => x(i * BUCKET_MS + BUCKET_MS / 2);

  const parts: string[] = [];
  for (const w of windows) {
    const from = x(w.injectedAt);
    const to = x(Math.min(durationMs, w.recoveredAt + GRACE_AFTER_RECOVERY_MS));
    parts.push(
      `<rect x="${from.toFixed(1)}" y="${TOP}" width="${Math.max(1, to - from).toFixed(1)}" height="${PANEL * 2 + GAP}" fill="#f5a623" fill-opacity="0.18"/>`,
      `<text x="${(from + 2).toFixed(1)}" y="${TOP - 4}" font-size="10">${escape(w.fault)}</text>`,
    );
  }
  parts.push(
    polyline(
      all.map((v, i) => [centre(i), y1(v)]),
      "#000091",
    ),
  );
  parts.push(
    polyline(
      failed.map((v, i) => [centre(i), y1(v)]),
      "#ce0500",
    ),
  );
  const colours = ["#18753c", "#6a6af4", "#b34000", "#009099"];
  const pids = [...new Set(rss.map((s) => s.pid))];
  pids.forEach((pid, i) => {
    const line = rss.filter((s) => s.pid === pid);
    parts.push(
      polyline(
        line.map((s) => [x(s.at), y2(s.rssMb)]),
        colours[i % colours.length]!,
      ),
    );
    const last = line.at(-1)!;
    parts.push(
      `<text x="${(x(last.at) - 4).toFixed(1)}" y="${(y2(last.rssMb) - 4).toFixed(1)}" font-size="10" text-anchor="end" fill="${colours[i % colours.length]}">${escape(`${last.replica} (${pid}) ${last.rssMb} Mo`)}</text>`,
    );
  });
  const axis = (yBase: number, label: string, maxLabel: string) =>
    `<line x1="${LEFT}" y1="${yBase + PANEL}" x2="${WIDTH - 20}" y2="${yBase + PANEL}" stroke="#666"/>` +
    `<line x1="${LEFT}" y1="${yBase}" x2="${LEFT}" y2="${yBase + PANEL}" stroke="#666"/>` +
    `<text x="${LEFT - 6}" y="${yBase + 10}" font-size="10" text-anchor="end">${maxLabel}</text>` +
    `<text x="${LEFT - 6}" y="${yBase + PANEL}" font-size="10" text-anchor="end">0</text>` +
    `<text x="${LEFT + 4}" y="${yBase + 12}" font-size="11">${escape(label)}</text>`;
  const height = y2Base + PANEL + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" role="img" aria-labelledby="soak-title">`,
    `<title id="soak-title">Soak: answers per second (blue: all, red: 5xx or none) and gateway memory (RSS), fault windows shaded</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    axis(TOP, "answers/s (blue: all, red: 5xx or no answer)", top.toFixed(0)),
    axis(y2Base, "RSS per gateway process (MB)", rssTop.toFixed(0)),
    ...parts,
    `<text x="${LEFT}" y="${height - 8}" font-size="10">0 s</text>`,
    `<text x="${WIDTH - 20}" y="${height - 8}" font-size="10" text-anchor="end">${Math.round(durationMs / 1000)} s</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
