import http from "node:http";

/**
 * A stand-in for a Matomo instance on its own origin (127.0.0.1, another port than the demo's
 * localhost): it records every request it receives, and its matomo.js does what Matomo's does with the
 * page's `_paq` queue, as far as the tests need — one tracking request to matomo.php carrying the site id
 * and the page URL it was told to record. It is test infrastructure for the consent journey only: the
 * point is to prove that nothing reaches this origin before consent.
 */
export interface FakeMatomo {
  /** The value of MATOMO_URL. */
  url: string;
  requests: Array<{ path: string; query: URLSearchParams }>;
  close(): Promise<void>;
}

const TRACKER = `(() => {
  const queue = window._paq || [];
  let tracker = "", site = "", url = location.href;
  for (const [command, ...args] of queue) {
    if (command === "setTrackerUrl") tracker = args[0];
    if (command === "setSiteId") site = args[0];
    if (command === "setCustomUrl") url = args[0];
  }
  if (queue.some(([command]) => command === "trackPageView")) {
    const image = new Image();
    image.src = tracker + "?idsite=" + encodeURIComponent(site) + "&rec=1&url=" + encodeURIComponent(url);
  }
})();`;

export async function startFakeMatomo(): Promise<FakeMatomo> {
  const requests: FakeMatomo["requests"] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push({ path: url.pathname, query: url.searchParams });
    if (url.pathname === "/matomo.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(TRACKER);
    } else {
      // matomo.php answers a 1×1 image; an empty 204 does for the browser.
      res.writeHead(204).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("the fake Matomo has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
