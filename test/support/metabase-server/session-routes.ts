import { randomUUID } from "node:crypto";
import type { Router } from "express";
import { currentUser, requireSuperuser, type ServerContext } from "./context.js";
import { MetabaseError } from "./errors.js";
import { parseBody, SessionBody } from "./schemas.js";
import { readSetting, sendJsonValue, settingNames, writeSetting } from "./settings.js";

/** Health, session, current user and settings (metabase-contract.md §2.1, §2.3, §2.8). */
export function sessionRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  router.get("/session/properties", (_req, res) => {
    const properties: Record<string, unknown> = {
      version: { tag: ctx.version.tag, date: "2025-01-01", branch: "release", hash: "0000000" },
      "site-url": state.settings.get("site-url") ?? null,
      // A fresh install (fresh.ts) has no user and shows its setup token until POST /api/setup uses it.
      "has-user-setup": state.users.size > 0,
      "setup-token": state.settings.get("setup-token") ?? null,
      "token-features": {},
    };
    if (res.locals.user) {
      for (const key of settingNames(ctx).filter((k) => k.startsWith("enable-")))
        properties[key] = readSetting(ctx, key);
    }
    res.json(properties);
  });

  router.post("/session", (req, res) => {
    const { username, password } = parseBody(SessionBody, req.body);
    const user = [...state.users.values()].find((u) => u.email.toLowerCase() === username.toLowerCase());
    if (!user || state.passwords.get(user.id) !== password) {
      throw new MetabaseError(401, { errors: { password: "did not match stored password" } });
    }
    const id = randomUUID();
    state.sessions.set(id, user.id);
    res.cookie("metabase.SESSION", id, { httpOnly: true, sameSite: "lax" });
    res.json({ id });
  });

  router.delete("/session", (req, res) => {
    const id = req.get("x-metabase-session");
    if (id) state.sessions.delete(id);
    res.status(204).end();
  });

  router.get("/user/current", (_req, res) => {
    const user = currentUser(res);
    res.json({ ...user, common_name: `${user.first_name} ${user.last_name}`, is_active: true });
  });

  // --- settings ---
  router.get("/setting", (_req, res) => {
    requireSuperuser(res);
    res.json(settingNames(ctx).map((key) => ({ key, value: readSetting(ctx, key), is_env_setting: false })));
  });
  router.get("/setting/:key", (req, res) => {
    requireSuperuser(res);
    sendJsonValue(res, readSetting(ctx, String(req.params.key)));
  });
  router.put("/setting/:key", (req, res) => {
    requireSuperuser(res);
    writeSetting(ctx, String(req.params.key), (req.body ?? {}).value);
    res.status(204).end();
  });
  router.put("/setting", (req, res) => {
    requireSuperuser(res);
    for (const [key, value] of Object.entries((req.body ?? {}) as Record<string, unknown>))
      writeSetting(ctx, key, value);
    res.status(204).end();
  });
}
