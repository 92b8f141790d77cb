import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { createGrant, listGrants, revokeGrant, type StoredGrant } from "../perimeter/grants.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import { PROFILE_KINDS, type ProfileKind } from "../perimeter/placement.js";
import { perimeterFromInput } from "../perimeter/perimeter-input.js";
import { openGatewayDatabase } from "./gateway-database.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";

const USAGE = `grants list [--all] [--json]
       pilotage grants add (--email ADRESSE | --sub SUB) --kind PROFIL --organisation LIBELLÉ
                           (--departements 93,94 | --region 11 | --national | --structures 1001,1002
                            | --reseau 4 --structures 1001,1004 | --organisation-id 12 --departements 33)
                           --by VOTRE_ADRESSE [--until AAAA-MM-JJ] [--note TEXTE]
       pilotage grants revoke NUMÉRO --by VOTRE_ADRESSE

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

function describe(grant: StoredGrant): string {
  const who = grant.subjectEmail ?? grant.subjectSub ?? "?";
  const state = grant.revokedAt
    ? "révoqué"
    : grant.validUntil && grant.validUntil < new Date()
      ? "expiré"
      : "actif";
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
    },
  });
  if (action !== "list" && action !== "add" && action !== "revoke") {
    io.stderr(`Action inconnue : ${action ?? "(aucune)"}\n\nUsage : pilotage ${USAGE}\n`);
    return EXIT.usage;
  }
  if (action !== "list" && !values.by) {
    io.stderr(
      "Indiquez qui fait le changement avec --by VOTRE_ADRESSE (il est inscrit au journal d'audit).\n",
    );
    return EXIT.usage;
  }

  const db = await openGatewayDatabase(loadConfig(io.env));
  try {
    if (action === "list") {
      const grants = await listGrants(db, { includeRevoked: values.all ?? false });
      if (values.json) io.stdout(`${JSON.stringify(grants, null, 2)}\n`);
      else io.stdout(grants.length === 0 ? "Aucun accès.\n" : `${grants.map(describe).join("\n")}\n`);
      return EXIT.ok;
    }
    if (action === "revoke") {
      const id = Number(positionals[0]);
      if (!Number.isInteger(id) || id <= 0) {
        io.stderr("Donnez le numéro de l'accès à révoquer (voir `pilotage grants list`).\n");
        return EXIT.usage;
      }
      const revoked = await revokeGrant(db, id, values.by!);
      io.stdout(
        `Accès révoqué : ${describe(revoked)}\nIl cesse de valoir à la prochaine connexion (ou dans quelques minutes).\n`,
      );
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
    let validUntil: Date | undefined;
    if (values.until) {
      validUntil = new Date(`${values.until}T23:59:59Z`);
      if (Number.isNaN(validUntil.getTime())) {
        io.stderr(`--until : « ${values.until} » n'est pas une date AAAA-MM-JJ.\n`);
        return EXIT.usage;
      }
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
    io.stdout(values.json ? `${JSON.stringify(grant, null, 2)}\n` : `Accès créé : ${describe(grant)}\n`);
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
