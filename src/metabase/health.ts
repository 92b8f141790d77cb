import { z } from "zod";
import { createMetabaseHttp } from "./http.js";

/**
 * Is Metabase up? `GET /api/health` answers 200 `{"status":"ok"}` once Metabase can serve embeds, and 503
 * while it starts or has lost its application database (metabase-contract.md §2.3). No credentials: the
 * endpoint is public, and the running gateway holds no API key.
 */
const Healthy = z.object({ status: z.literal("ok") });

export async function probeMetabaseHealth(options: { siteUrl: string; timeoutMs: number }): Promise<boolean> {
  const http = createMetabaseHttp({ siteUrl: options.siteUrl, timeoutMs: options.timeoutMs, getRetries: 0 });
  try {
    await http.get(Healthy, "/api/health");
    return true;
  } catch {
    return false;
  }
}
