import { parseArgs } from "node:util";
import { openSessions, type Person } from "../auth/open-sessions.js";
import { loadConfig, type Config } from "../config.js";
import { parseRecordId, parseValidUntil } from "../perimeter/grant-input.js";
import { createGrant, listGrants, rebindGrant, revokeGrant, type StoredGrant } from "../perimeter/grants.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import { grantState, PROFILE_KINDS, type ProfileKind } from "../perimeter/placement.js";
import { perimeterFromInput } from "../perimeter/perimeter-input.js";
import { openRedis } from "../storage/redis.js";
import { openGatewayDatabase } from "./gateway-database.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";

const USAGE = `grants list [--all] [--json]
       pilotage grants add (--email ADRESSE | --sub SUB) --kind PROFIL --organisation LIBELLÉ
                           (--departements 93,94 | --region 11 | --national | --structures 1001,1002
                            | --reseau 4 --structures 1001,1004 | --organisation-id 12 --departements 33)
                           --by VOTRE_ADRESSE [--until AAAA-MM-JJ] [--note TEXTE]
       pilotage grants revoke NUMÉRO --by VOTRE_ADRESSE
       pilotage grants rebind NUMÉRO (--sub SUB [--idp-id FOURNISSEUR] | --unbind) --by VOTRE_ADRESSE

Profils : ${PROFILE_KINDS.join(", ")}`;

export function perimeterFromFlags(flags: {
  departements?: string | undefined;
  region?: string | undefined;
  national?: boolean | undefined;
  structures?: string | undefined;
  reseau?: string | undefined;
  "organisation-id"?: string | undefined;
}): Perimeter {
  return perimeterFromInput({ ...flags, organisation: flags["organisation-id"] });
}

/**
 * Ends the open sessions of the people a change concerns, in the gateway's Redis (a demo's sessions live
 * in its own process: they end at the next login). Returns what to tell the person running the command.
 */
async function endSessions(config: Config, people: Person[]): Promise<string> {
  if (!config.redis.url) return "Elles cesseront de valoir à la prochaine connexion de la personne.";
  const redis = openRedis(config.redis.url);
  try {
    const sessions = openSessions({ redis, lifetimeMs: config.session.absoluteTimeoutSeconds * 1000 });
    const ended = await sessions.end(people.filter((p) => p.sub || p.email));
    return `Sessions ouvertes terminées : ${ended}.`;
  } finally {
    redis.disconnect();
  }
}

function describe(grant: StoredGrant): string {
  const who = grant.subjectEmail ?? grant.subjectSub ?? "?";
  const state = grantState(grant, new Date());
  const scope = Object.entries(grant.perimeter)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? (v.length > 6 ? `${v.length} valeurs` : v.join(",")) : v}`)
    .join(" ");
  return `#${grant.id}\t${state}\t${who}\t${grant.kind}\t${grant.organisationLabel}\t${scope}\tpar ${grant.grantedBy}`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      all: { type: "boolean" },
      json: { type: "boolean" },
      email: { type: "string" },
      sub: { type: "string" },
      kind: { type: "string" },
      organisation: { type: "string" },
      departements: { type: "string" },
      region: { type: "string" },
      national: { type: "boolean" },
      structures: { type: "string" },
      reseau: { type: "string" },
      "organisation-id": { type: "string" },
      by: { type: "string" },
      until: { type: "string" },
      note: { type: "string" },
      "idp-id": { type: "string" },
      unbind: { type: "boolean" },
    },
  });
  if (action !== "list" && action !== "add" && action !== "revoke" && action !== "rebind") {
    io.stderr(`Action inconnue : ${action ?? "(aucune)"}\n\nUsage : pilotage ${USAGE}\n`);
    return EXIT.usage;
  }
  if (action !== "list" && !values.by) {
    io.stderr(
      "Indiquez qui fait le changement avec --by VOTRE_ADRESSE (il est inscrit au journal d'audit).\n",
    );
    return EXIT.usage;
  }

  const config = loadConfig(io.env);
  let validUntil: Date | undefined;
  if (action === "add" && values.until) {
    const read = parseValidUntil(values.until, new Date());
    if ("problem" in read) {
      io.stderr(`--until : ${read.problem}\n`);
      return EXIT.usage;
    }
    validUntil = read.date;
  }
  const id = action === "revoke" || action === "rebind" ? parseRecordId(positionals[0]) : null;
  if ((action === "revoke" || action === "rebind") && id === null) {
    io.stderr(
      `Donnez le numéro de l'accès (des chiffres seulement, voir \`pilotage grants list\`) : « ${positionals[0] ?? ""} » n'en est pas un.\n`,
    );
    return EXIT.usage;
  }
  if (action === "rebind" && !values.sub === !values.unbind) {
    io.stderr("Indiquez le nouveau compte avec --sub (et --idp-id), ou --unbind pour délier l'accès.\n");
    return EXIT.usage;
  }

  const db = await openGatewayDatabase(config);
  try {
    if (action === "list") {
      const grants = await listGrants(db, { includeRevoked: values.all ?? false });
      if (values.json) io.stdout(`${JSON.stringify(grants, null, 2)}\n`);
      else io.stdout(grants.length === 0 ? "Aucun accès.\n" : `${grants.map(describe).join("\n")}\n`);
      return EXIT.ok;
    }
    if (action === "revoke") {
      const revoked = await revokeGrant(db, id!, values.by!);
      const ended = await endSessions(config, [{ sub: revoked.subjectSub, email: revoked.subjectEmail }]);
      io.stdout(`Accès révoqué : ${describe(revoked)}\n${ended}\n`);
      return EXIT.ok;
    }
    if (action === "rebind") {
      const { before, after } = await rebindGrant(
        db,
        id!,
        values.sub ? { sub: values.sub, idpId: values["idp-id"] } : null,
        values.by!,
      );
      const ended = await endSessions(config, [{ sub: before.subjectSub }, { sub: after.subjectSub }]);
      io.stdout(`Accès rattaché : ${describe(after)}\n${ended}\n`);
      return EXIT.ok;
    }
    if (!values.email && !values.sub) {
      io.stderr("Indiquez la personne : --email ADRESSE ou --sub IDENTIFIANT_PROCONNECT.\n");
      return EXIT.usage;
    }
    if (!values.kind || !(PROFILE_KINDS as readonly string[]).includes(values.kind)) {
      io.stderr(`--kind doit être l'un de : ${PROFILE_KINDS.join(", ")}.\n`);
      return EXIT.usage;
    }
    if (!values.organisation) {
      io.stderr("Indiquez le libellé de l'organisation avec --organisation.\n");
      return EXIT.usage;
    }
    const grant = await createGrant(db, {
      subject: { email: values.email, sub: values.sub },
      kind: values.kind as ProfileKind,
      organisationLabel: values.organisation,
      perimeter: perimeterFromFlags(values),
      validUntil,
      grantedBy: values.by!,
      note: values.note,
    });
    // Someone logged in with this address or account gets the grant at their next login, now.
    const ended = await endSessions(config, [{ sub: grant.subjectSub, email: grant.subjectEmail }]);
    io.stdout(
      values.json ? `${JSON.stringify(grant, null, 2)}\n` : `Accès créé : ${describe(grant)}\n${ended}\n`,
    );
    return EXIT.ok;
  } finally {
    await db.close();
  }
}

export const grantsCommand: CliCommand = {
  summary: "Lister, accorder et révoquer les accès explicites (staff)",
  usage: USAGE,
  run,
};
