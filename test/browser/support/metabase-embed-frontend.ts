import type { BrowserContext } from "playwright-core";
import type { MetabaseTestServer } from "../../support/metabase-server/index.js";

export interface EmbedLoad {
  /** The frame's URL as the gateway signed it (token and hash), for assertions. */
  url: string;
  status: number;
  dashboard?: string;
  cards: { name: string; status: number; rows: number }[];
}

interface EmbedDashboard {
  name: string;
  dashcards: { id: number; card_id: number | null; card: { name: string } | null }[];
}

interface CardResult {
  data?: { rows: unknown[][]; cols: { name: string; display_name?: string }[] };
}

const escape = (text: unknown) =>
  String(text ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/**
 * The Metabase test server answers the embedding API (`/api/embed/…`, with Metabase's checks) but has no
 * web front end. This stands in for Metabase's embed page in the browser: it takes the frame's request
 * for `/embed/dashboard/<token>`, asks the test server's API what Metabase's own front end would ask (the
 * dashboard, then each card's data, with the filter values of the URL), and renders the answer as a
 * plain page, then posts Metabase's frame-height message. What the API refuses shows as Metabase's text.
 */
export async function serveMetabaseEmbedFrontend(
  context: BrowserContext,
  metabase: Pick<MetabaseTestServer, "url">,
): Promise<EmbedLoad[]> {
  const loads: EmbedLoad[] = [];
  await context.route(`${metabase.url}/embed/dashboard/**`, async (route) => {
    const url = new URL(route.request().url());
    const token = url.pathname.split("/").at(-1) ?? "";
    const load: EmbedLoad = { url: url.href, status: 0, cards: [] };
    loads.push(load);
    const api = `${metabase.url}/api/embed/dashboard/${token}`;
    const answer = await fetch(api);
    load.status = answer.status;
    let body: string;
    if (!answer.ok) {
      body = `<p class="erreur">${escape(await answer.text())}</p>`;
    } else {
      const dashboard = (await answer.json()) as EmbedDashboard;
      load.dashboard = dashboard.name;
      const sections: string[] = [`<h1>${escape(dashboard.name)}</h1>`];
      for (const dashcard of dashboard.dashcards) {
        if (dashcard.card_id === null || !dashcard.card) continue;
        const result = await fetch(`${api}/dashcard/${dashcard.id}/card/${dashcard.card_id}${url.search}`);
        const data = ((await result.json()) as CardResult).data;
        load.cards.push({ name: dashcard.card.name, status: result.status, rows: data?.rows.length ?? 0 });
        const head = (data?.cols ?? []).map(
          (col) => `<th scope="col">${escape(col.display_name ?? col.name)}</th>`,
        );
        const rows = (data?.rows ?? [])
          .slice(0, 10)
          .map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join("")}</tr>`);
        sections.push(
          `<table><caption>${escape(dashcard.card.name)}</caption><thead><tr>${head.join("")}</tr></thead>` +
            `<tbody>${rows.join("")}</tbody></table>`,
        );
      }
      body = sections.join("\n");
    }
    await route.fulfill({
      status: answer.ok ? 200 : answer.status,
      contentType: "text/html; charset=utf-8",
      body:
        `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Metabase</title></head><body>` +
        `<main>${body}</main><script>` +
        // Metabase's front end posts its height whenever it changes, long after the host page's scripts
        // ran; this page is ready at once, so it repeats the message for a while instead.
        `const say = () => parent.postMessage({ metabase: { type: "frame", frame: { mode: "normal", ` +
        `height: document.documentElement.scrollHeight } } }, "*");` +
        `say(); for (const ms of [100, 250, 500, 1000, 2000, 4000]) setTimeout(say, ms);</script></body></html>`,
    });
  });
  return loads;
}
