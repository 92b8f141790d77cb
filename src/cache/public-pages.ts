import { createHash } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { ResultCache } from "./result-cache.js";

/**
 * Whole public pages, cached for anonymous visitors: the same page for everyone (no person, no perimeter,
 * no session), rendered once per URL, data version and `ttlSeconds`, then served from the cache — a
 * crawler no longer drives the warehouse. Only a 200 HTML answer is kept; errors never are.
 *
 * What browsers and shared caches are told: `Cache-Control: public` only on those anonymous answers;
 * anything else gets `private, no-store` (a logged-in person's page carries their name and may carry a
 * signed URL). Every answer says `Vary: Cookie`, so a shared cache never hands the anonymous page to
 * someone who sends a session cookie, nor the reverse.
 */
export function publicPageCache(options: {
  cache: ResultCache | undefined;
  ttlSeconds: number;
  /** No person in the session and no session cookie at all: nothing of the answer can be personal. */
  isAnonymous: (req: Request) => boolean;
  /** A page served from the cache, the route never reached: what the route would have counted. */
  onCacheHit?: (req: Request) => void;
}): RequestHandler {
  const publicControl = `public, max-age=${options.ttlSeconds}`;
  return async (req, res, next) => {
    res.vary("Cookie");
    if (!options.isAnonymous(req)) {
      beforeSend(res, () => res.setHeader("Cache-Control", "private, no-store"));
      return next();
    }
    const cache = options.cache;
    if (!cache) {
      beforeSend(res, () => {
        if (res.statusCode === 200) res.setHeader("Cache-Control", publicControl);
      });
      return next();
    }

    let routeAnswered = false;
    const render = () =>
      new Promise<CachedPage>((resolve, reject) => {
        beforeSend(res, (body) => {
          routeAnswered = true;
          const html = /html/.test(String(res.get("Content-Type")));
          if (res.statusCode === 200 && typeof body === "string" && html) {
            const page = pageOf(body);
            res.setHeader("Cache-Control", publicControl);
            res.setHeader("ETag", page.etag);
            resolve(page);
          } else reject(new NotCacheable());
        });
        res.once("close", () => reject(new NotCacheable()));
        next();
      });

    let page: CachedPage;
    try {
      page = await cache.remember("public_page", { url: req.originalUrl }, render, {
        ttlSeconds: options.ttlSeconds,
      });
    } catch (error) {
      // The route answered (an error page, a redirect): that answer stands, uncached.
      if (routeAnswered || res.headersSent) return;
      throw error;
    }
    if (routeAnswered) return;
    options.onCacheHit?.(req);
    res.setHeader("Cache-Control", publicControl);
    // Express sends an ETag it finds set as is, and answers 304 to a request that already holds it.
    res.setHeader("ETag", page.etag);
    res.type("html").send(page.body);
  };
}

/**
 * A page as it is kept: its bytes, encoded once, and their ETag, hashed once, rather than both again at
 * every request as Express would do from a string.
 */
interface CachedPage {
  body: Buffer;
  etag: string;
}

function pageOf(html: string): CachedPage {
  const body = Buffer.from(html, "utf8");
  return { body, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
}

class NotCacheable extends Error {
  constructor() {
    super("not a cacheable page");
  }
}

/** Runs `hook` with the body just before this response's first `send` (Express's own calls included). */
function beforeSend(res: Response, hook: (body: unknown) => void): void {
  const send = res.send.bind(res);
  let called = false;
  res.send = ((body?: unknown) => {
    if (!called) {
      called = true;
      hook(body);
    }
    return send(body);
  }) as Response["send"];
}
