/**
 * Redis URLs' logical databases: the result cache's Redis defaults to REDIS_URL's next database and must
 * never be the sessions' own (src/config.ts), however either URL is written.
 */

/** A Redis URL's logical database (its path, `redis://host:6379/2`; 0 when it names none). */
function redisDatabase(url: URL): number {
  const db = Number(url.pathname.replace(/^\/+/, "") || "0");
  return Number.isInteger(db) ? db : 0;
}

/** REDIS_URL on its next logical database (the cache's default), or null when it uses the last one. */
export function nextRedisDatabase(redisUrl: string): string | null {
  const url = new URL(redisUrl);
  const next = redisDatabase(url) + 1;
  if (next > 15) return null;
  url.pathname = `/${next}`;
  return url.toString();
}

/** One database written two ways is still one: an absent port is Redis' 6379, host names ignore case. */
export function sameRedisDatabase(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  const server = (url: URL) => `${url.hostname.toLowerCase()}:${url.port || "6379"}`;
  return server(x) === server(y) && redisDatabase(x) === redisDatabase(y);
}
