import fs from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { findDepartement, findRegion } from "../territories/territories.js";
import type { PlacementRules } from "./placement.js";

export const PLACEMENT_RULES_FILE = "metabase-config/placement.yaml";

/** The identity provider of the in-process demo provider's France Travail account (src/demo/accounts.ts). */
const DEMO_FRANCE_TRAVAIL_IDP = "france-travail";

/**
 * Domains shared by too many people to say anything about a service: a rule naming one would confirm
 * every State agent (or everyone) for any service whose SIRET they send.
 */
const SHARED_DOMAINS = new Set(["gouv.fr", "fr", "com", "org", "net", "eu", "gov.fr", "education.fr"]);

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/, {
    error: "n'est pas un nom de domaine (« prefecture.gouv.fr »)",
  })
  .refine((domain) => !SHARED_DOMAINS.has(domain), {
    error: "est partagé par trop de services : nommez le domaine du service et de son territoire",
  });

const Domains = z.array(Domain).min(1);

const RulesFile = z
  .object({
    untrusted_sirets: z.array(z.string().regex(/^\d{14}$/)).default([]),
    france_travail: z
      .object({
        idp_ids: z.array(z.string().min(1)).default([]),
        email_domains: z.array(Domain).default([]),
      })
      .strict()
      .prefault({}),
    state_domains: z
      .object({
        dgefp: z.array(Domain).default([]),
        dreets: z.record(z.string(), Domains).default({}),
        ddets: z.record(z.string(), Domains).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((rules, ctx) => {
    for (const code of Object.keys(rules.state_domains.dreets)) {
      if (!findRegion(code))
        ctx.addIssue({ code: "custom", message: "région inconnue", path: ["state_domains", "dreets", code] });
    }
    for (const code of Object.keys(rules.state_domains.ddets)) {
      if (!findDepartement(code))
        ctx.addIssue({
          code: "custom",
          message: "département inconnu",
          path: ["state_domains", "ddets", code],
        });
    }
    // One domain for two services would confirm the agents of one for the other's SIRET.
    const seen = new Map<string, string>();
    const entries: Array<[string, readonly string[]]> = [
      ["state_domains.dgefp", rules.state_domains.dgefp],
      ...Object.entries(rules.state_domains.dreets).map(([code, d]): [string, readonly string[]] => [
        `state_domains.dreets.${code}`,
        d,
      ]),
      ...Object.entries(rules.state_domains.ddets).map(([code, d]): [string, readonly string[]] => [
        `state_domains.ddets.${code}`,
        d,
      ]),
    ];
    for (const [where, domains] of entries) {
      for (const domain of domains) {
        const first = seen.get(domain);
        if (first && first !== where)
          ctx.addIssue({ code: "custom", message: `${domain} est déjà rattaché à ${first}`, path: [where] });
        seen.set(domain, where);
      }
    }
  });

/** Reads placement.yaml's text; every problem at once, in French, with where it is. */
export function parsePlacementRules(text: string): PlacementRules {
  const parsed = RulesFile.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    throw new Error(
      `${PLACEMENT_RULES_FILE} : ${parsed.error.issues
        .map((i) => `${i.path.join(".")} ${i.message}`.trim())
        .join("; ")}`,
    );
  }
  const { data } = parsed;
  return {
    untrustedSirets: data.untrusted_sirets,
    franceTravail: { idpIds: data.france_travail.idp_ids, emailDomains: data.france_travail.email_domains },
    stateDomains: {
      dgefp: data.state_domains.dgefp,
      dreets: data.state_domains.dreets,
      ddets: data.state_domains.ddets,
    },
  };
}

/**
 * Loads metabase-config/placement.yaml. With `demo`, the demo provider's France Travail identity
 * provider is trusted for SAFIR codes — only ever when the demo provider is the issuer: mounted in-process
 * (which production refuses), or run on its own with PROCONNECT_DEMO_ACCOUNTS=1 (which src/config.ts
 * refuses unless the issuer is on localhost or a *.test host). Everything else the demo accounts need is production's own path: they are
 * members of their organisations in the synthetic warehouse.
 */
export async function loadPlacementRules(root: string, options: { demo: boolean }): Promise<PlacementRules> {
  const rules = parsePlacementRules(await fs.readFile(path.join(root, PLACEMENT_RULES_FILE), "utf8"));
  if (!options.demo) return rules;
  return {
    ...rules,
    franceTravail: {
      ...rules.franceTravail,
      idpIds: [...rules.franceTravail.idpIds, DEMO_FRANCE_TRAVAIL_IDP],
    },
  };
}
