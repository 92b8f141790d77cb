import { randomBytes } from "node:crypto";
import type { Response } from "express";
import type { ServerContext } from "./context.js";
import { MetabaseError } from "./errors.js";

/**
 * Metabase's settings as the sync and `pilotage metabase bootstrap` touch them: the names each version knows,
 * their setters and getters.
 */

const HEX_64 = /^[0-9a-f]{64}$/;
const SECRET_ASSERTION =
  "Assert failed: Invalid embedding-secret-key! Secret key must be a hexadecimal-encoded 256-bit key (i.e., a 64-character string).\n(u/hexadecimal-string? new-value)";

/** `:json` settings, with their defaults (`custom-formatting`: the instance's number and date formats). */
const JSON_SETTINGS: Readonly<Record<string, unknown>> = { "custom-formatting": {} };

export function settingNames(ctx: ServerContext): string[] {
  const names = [
    "site-url",
    "embedding-secret-key",
    "enable-embedding",
    "enable-public-sharing",
    ...Object.keys(JSON_SETTINGS),
  ];
  if (ctx.version.major >= 51)
    names.push("enable-embedding-static", "enable-embedding-interactive", "enable-embedding-sdk");
  return names;
}

function toBoolean(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new MetabaseError(500, { message: `Invalid value for boolean setting: ${JSON.stringify(value)}` });
}

/** A setting's setter, as `defsetting` does it (types, the secret-key assertion, auto-generated secret). */
export function writeSetting(ctx: ServerContext, key: string, value: unknown): void {
  if (!settingNames(ctx).includes(key)) throw new MetabaseError(500, { message: `Unknown setting: :${key}` });
  const { settings } = ctx.state;
  if (key === "embedding-secret-key") {
    if (value === null || value === undefined || value === "") {
      settings.delete(key);
      return;
    }
    if (typeof value !== "string" || !HEX_64.test(value))
      throw new MetabaseError(500, { message: SECRET_ASSERTION });
    settings.set(key, value);
    return;
  }
  if (key === "site-url") {
    settings.set(key, value === null ? undefined : String(value));
    return;
  }
  if (key in JSON_SETTINGS) {
    if (value === null || value === undefined) settings.delete(key);
    else if (typeof value === "object" && !Array.isArray(value)) settings.set(key, value);
    else
      throw new MetabaseError(500, { message: `Invalid value for JSON setting: ${JSON.stringify(value)}` });
    return;
  }
  const on = toBoolean(value);
  settings.set(key, on);
  // Turning an embedding toggle on draws a secret key when none is set (`make-embedding-toggle-setter`).
  if (on && key.startsWith("enable-embedding") && !settings.get("embedding-secret-key")) {
    settings.set("embedding-secret-key", randomBytes(32).toString("hex"));
  }
}

export function readSetting(ctx: ServerContext, key: string): unknown {
  if (!settingNames(ctx).includes(key)) throw new MetabaseError(500, { message: `Unknown setting: :${key}` });
  const value = ctx.state.settings.get(key);
  if (value === undefined && key.startsWith("enable-")) return false;
  if (value === undefined && key in JSON_SETTINGS) return JSON_SETTINGS[key];
  return value ?? null;
}

export function sendJsonValue(res: Response, value: unknown): void {
  if (value === null) res.status(204).end();
  else res.type("application/json").send(JSON.stringify(value));
}
