import { openSessions, type Person } from "../auth/open-sessions.js";
import { loadConfig, type Config } from "../config.js";
import { parseRecordId, parseValidUntil } from "../perimeter/grant-input.js";
import { createGrant, listGrants, rebindGrant, revokeGrant, type StoredGrant } from "../perimeter/grants.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import { grantState, PROFILE_KINDS, type ProfileKind } from "../perimeter/placement.js";
import { perimeterFromInput } from "../perimeter/perimeter-input.js";
import { openRedis } from "../storage/redis.js";
import { openGatewayDatabase } from "./gateway-database.js";
import { EXIT, UsageError, type CliCommand, type CliIo } from "./command.js";
import { parseCommandArgs } from "./options.js";

const USAGE = `grants list [--all] [--json]
       pilotage grants add (--email ADRESSE | --sub SUB) --kind PROFIL --organisation LIBELLÉ
                           (--departements 93,94 | --region 11 | --national | --structures 1001,1002
                            | --reseau 4 --structures 1001,1004 | --organisation-id 12 --departements 33)
                           --by VOTRE_ADRESSE [--until AAAA-MM-JJ] [--note TEXTE]
       pilotage grants revoke NUMÉRO --by VOTRE_ADRESSE
       pilotage grants rebind NUMÉRO (--sub SUB [--idp-id FOURNISSEUR] | --unbind) --by VOTRE_ADRESSE

Profils : ${PROFILE_KINDS.join(", ")}
Variables : DATABASE_URL (la base de la passerelle ; sinon le PGlite de DATA_DIR/gateway),
            REDIS_URL (pour terminer les sessions ouvertes des personnes concernées).`;

const OPTIONS = {
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
} as const;

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
  if (action !== "list" && action !== "add" && action !== "revoke" && action !== "rebind") {
    throw new UsageError(
      `Action inconnue : ${action ?? "(aucune)"} (attendu : list, add, revoke ou rebind).`,
    );
  }
  const numbered = action === "revoke" || action === "rebind";
  const { values, positionals } = parseCommandArgs(rest, OPTIONS, { positionals: numbered });
  if (action !== "list" && !values.by) {
    throw new UsageError(
      "Indiquez qui fait le changement avec --by VOTRE_ADRESSE (il est inscrit au journal d'audit).",
    );
  }
  const id = numbered ? parseRecordId(positionals[0]) : null;
  if (numbered && (id === null || positionals.length !== 1)) {
    throw new UsageError(
      `Donnez le numéro de l'accès (des chiffres seulement, voir \`pilotage grants list\`) : « ${positionals.join(" ")} » n'en est pas un.`,
    );
  }
  if (action === "rebind" && !values.sub === !values.unbind) {
    throw new UsageError(
      "Indiquez le nouveau compte avec --sub (et --idp-id), ou --unbind pour délier l'accès.",
    );
  }
  if (values["idp-id"] !== undefined && !(action === "rebind" && values.sub)) {
    throw new UsageError(
      "--idp-id précise le fournisseur du compte donné par --sub, avec `grants rebind` seulement.",
    );
  }
  const validUntil = action === "add" ? checkAddOptions(values, new Date()) : undefined;

  const config = loadConfig(io.env, { for: "cli" });
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
    const grant = await createGrant(db, {
      subject: { email: values.email, sub: values.sub },
      kind: values.kind as ProfileKind,
      organisationLabel: values.organisation!,
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

/**
 * The checks of `grants add` that need no database, so that a malformed command is told so at once.
 * Returns the grant's end, read strictly (a day that exists and is not past).
 */
function checkAddOptions(
  values: {
    email?: string | undefined;
    sub?: string | undefined;
    kind?: string | undefined;
    organisation?: string | undefined;
    until?: string | undefined;
  },
  now: Date,
): Date | undefined {
  if (!values.email && !values.sub) {
    throw new UsageError("Indiquez la personne : --email ADRESSE ou --sub IDENTIFIANT_PROCONNECT.");
  }
  if (!values.kind || !(PROFILE_KINDS as readonly string[]).includes(values.kind)) {
    throw new UsageError(`--kind doit être l'un de : ${PROFILE_KINDS.join(", ")}.`);
  }
  if (!values.organisation) {
    throw new UsageError("Indiquez le libellé de l'organisation avec --organisation.");
  }
  if (values.until === undefined) return undefined;
  const read = parseValidUntil(values.until, now);
  if ("problem" in read) throw new UsageError(`--until : ${read.problem}`);
  return read.date;
}

export const grantsCommand: CliCommand = {
  summary: "lister, accorder, révoquer et rattacher les accès explicites (staff)",
  usage: USAGE,
  exitCodes: {
    [EXIT.ok]: "fait (liste affichée, accès créé, révoqué ou rattaché)",
    [EXIT.failed]:
      "refusé (périmètre invalide, accès introuvable ou déjà révoqué, accès sans adresse qu'on voudrait délier)",
  },
  options: OPTIONS,
  run,
};
