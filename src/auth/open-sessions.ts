import type { Request } from "express";
import type session from "express-session";
import type { Redis } from "ioredis";
import { z } from "zod";
import { SESSION_KEY_PREFIX } from "../storage/session-store.js";

/**
 * The open sessions of a person, so that a change to their access (a grant revoked, created or re-bound)
 * ends them at once instead of waiting for the next login. With Redis each login adds its session id to
 * two small sets (by ProConnect `sub` and by e-mail) that expire with the longest session; in memory
 * (the demo) the store itself is searched.
 */

/** Whom to log out: a ProConnect account, an e-mail address, or both. */
export interface Person {
  sub?: string | null | undefined;
  email?: string | null | undefined;
}

export interface OpenSessions {
  /** Records, at login, that the request's session belongs to its user. */
  remember(req: Request): Promise<void>;
  /**
   * Ends every open session of these people, in this store (the request's; the CLI has none and only
   * reaches Redis). Returns how many were ended.
   */
  end(people: readonly Person[], store?: session.Store): Promise<number>;
}

const INDEX_PREFIX = "pilotage:sessions-of:";

const StoredUser = z.looseObject({
  user: z.looseObject({ sub: z.string(), email: z.string() }).optional(),
});

function indexKeys(person: Person): string[] {
  return [
    ...(person.sub ? [`${INDEX_PREFIX}sub:${person.sub}`] : []),
    ...(person.email ? [`${INDEX_PREFIX}email:${person.email.trim().toLowerCase()}`] : []),
  ];
}

function matches(data: unknown, people: readonly Person[]): boolean {
  const parsed = StoredUser.safeParse(data);
  const user = parsed.success ? parsed.data.user : undefined;
  if (!user) return false;
  return people.some(
    (p) =>
      (p.sub && p.sub === user.sub) ||
      (p.email && p.email.trim().toLowerCase() === user.email.trim().toLowerCase()),
  );
}

/** Every session of a memory store, with its id (express-session's MemoryStore has `all`). */
function allSessions(store: session.Store): Promise<Record<string, unknown>> {
  const all = store.all?.bind(store);
  if (!all) return Promise.resolve({});
  return new Promise((resolve, reject) =>
    all((error: unknown, sessions?: session.SessionData[] | Record<string, session.SessionData> | null) => {
      if (error) return reject(error);
      resolve(Array.isArray(sessions) ? {} : (sessions ?? {}));
    }),
  );
}

function destroy(store: session.Store, sid: string): Promise<void> {
  return new Promise((resolve, reject) => store.destroy(sid, (error) => (error ? reject(error) : resolve())));
}

export function openSessions(deps: { redis: Redis | undefined; lifetimeMs: number }): OpenSessions {
  const { redis } = deps;
  return {
    async remember(req) {
      const user = req.session?.user;
      if (!redis || !user) return;
      const pipeline = redis.multi();
      for (const key of indexKeys(user)) {
        pipeline.sadd(key, req.sessionID);
        pipeline.pexpire(key, deps.lifetimeMs);
      }
      await pipeline.exec();
    },

    async end(people, store) {
      let ended = 0;
      if (redis) {
        const keys = [...new Set(people.flatMap(indexKeys))];
        if (keys.length === 0) return 0;
        const ids = [...new Set((await Promise.all(keys.map((key) => redis.smembers(key)))).flat())];
        if (ids.length > 0) ended = await redis.del(...ids.map((id) => `${SESSION_KEY_PREFIX}${id}`));
        await redis.del(...keys);
        return ended;
      }
      if (!store) return 0;
      for (const [sid, data] of Object.entries(await allSessions(store))) {
        if (!matches(data, people)) continue;
        await destroy(store, sid);
        ended++;
      }
      return ended;
    },
  };
}
