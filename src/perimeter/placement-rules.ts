import fs from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { PROFILE_KINDS, type PlacementRules } from "./placement.js";

export const PLACEMENT_RULES_FILE = "metabase-config/placement.yaml";

/** The domain and identity provider of the in-process demo provider (src/demo/accounts.ts). */
const DEMO_EMAIL_DOMAIN = "demo.pilotage.test";
const DEMO_FRANCE_TRAVAIL_IDP = "france-travail";

const RulesFile = z
  .object({
    email_domains: z.partialRecord(z.enum(PROFILE_KINDS), z.array(z.string().min(3))).default({}),
    untrusted_sirets: z.array(z.string().regex(/^\d{14}$/)).default([]),
    france_travail_idp_ids: z.array(z.string().min(1)).default([]),
  })
  .strict();

/**
 * Loads metabase-config/placement.yaml. With `demo`, the demo provider's domain is accepted for every
 * kind and its France Travail provider is trusted — only ever when the demo provider is mounted, which
 * production refuses (src/config.ts).
 */
export async function loadPlacementRules(root: string, options: { demo: boolean }): Promise<PlacementRules> {
  const file = path.join(root, PLACEMENT_RULES_FILE);
  const parsed = RulesFile.safeParse(parse(await fs.readFile(file, "utf8")) ?? {});
  if (!parsed.success) {
    throw new Error(
      `${PLACEMENT_RULES_FILE} : ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  }
  const rules: PlacementRules = {
    emailDomains: parsed.data.email_domains,
    untrustedSirets: parsed.data.untrusted_sirets,
    franceTravailIdpIds: parsed.data.france_travail_idp_ids,
  };
  if (!options.demo) return rules;
  return {
    emailDomains: Object.fromEntries(
      PROFILE_KINDS.map((kind) => [kind, [...(rules.emailDomains[kind] ?? []), DEMO_EMAIL_DOMAIN]]),
    ),
    untrustedSirets: rules.untrustedSirets,
    franceTravailIdpIds: [...rules.franceTravailIdpIds, DEMO_FRANCE_TRAVAIL_IDP],
  };
}
