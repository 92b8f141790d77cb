import { AppError } from "../errors.js";
import type { Executor, Queryable } from "../storage/database.js";
import { readLoadMarker, SYNTHETIC_SOURCE } from "./load-marker.js";
import { ANNUAIRE_SCHEMA, WAREHOUSE_SCHEMA } from "./tables.js";

/**
 * What `pilotage seed` may drop: only a schema that says, itself, that the seed wrote it. The same
 * database may hold les emplois' real members in `annuaire` (personal data) or a real `entrepot` loaded by
 * the pipeline, next to the other schema seeded for a demonstration: `entrepot.metadonnees` says nothing
 * about `annuaire`, and schema.sql (which the pipeline may run too) creates it. So each schema carries its
 * own mark, at the head of its comment: metadata, not a table any reader is granted, and `pg_dump` keeps it.
 */

export const SEED_SCHEMAS = [WAREHOUSE_SCHEMA, ANNUAIRE_SCHEMA] as const;
export type SeedSchema = (typeof SEED_SCHEMAS)[number];

/** Never reword it: the schemas seeded with the old words would look foreign and be refused. */
export const SEED_MARK =
  "[pilotage seed] Données synthétiques de démonstration : « pilotage seed » peut remplacer ce schéma.";

export interface ForeignSchema {
  schema: SeedSchema;
  /** Set when the schema carries the mark but its newest load came from elsewhere (the pipeline's). */
  loadedFrom?: string;
}

/** The schemas `pilotage seed` would drop and must not: they exist without its mark, or hold a real load. */
export async function foreignSchemas(db: Queryable): Promise<ForeignSchema[]> {
  const { rows } = await db.query<{ schema: string; marked: boolean }>(
    `SELECT nspname::text AS schema, starts_with(coalesce(obj_description(oid, 'pg_namespace'), ''), $2) AS marked
       FROM pg_namespace WHERE nspname = ANY($1::text[])`,
    [SEED_SCHEMAS, SEED_MARK],
  );
  const foreign: ForeignSchema[] = [];
  for (const schema of SEED_SCHEMAS) {
    const row = rows.find((r) => r.schema === schema);
    if (!row) continue;
    if (!row.marked) {
      foreign.push({ schema });
      continue;
    }
    // A pipeline that loads into a seeded schema without dropping it ends with its own load marker.
    const load = schema === WAREHOUSE_SCHEMA ? await readLoadMarker(db) : undefined;
    if (load && load.source !== SYNTHETIC_SOURCE) foreign.push({ schema, loadedFrom: load.source });
  }
  return foreign;
}

/** Puts the mark at the head of each schema's comment (keeping the description schema.sql gave it). */
export async function markSeededSchemas(db: Executor): Promise<void> {
  for (const schema of SEED_SCHEMAS) {
    const { rows } = await db.query<{ statement: string }>(
      `SELECT format('COMMENT ON SCHEMA %I IS %L', $1::text,
                     concat_ws(' ', $2::text, obj_description(to_regnamespace($1)::oid, 'pg_namespace'))) AS statement`,
      [schema, SEED_MARK],
    );
    await db.exec(rows[0]!.statement);
  }
}

/** Refused: a schema may hold data `pilotage seed` did not write (a real warehouse, real members). */
export class ForeignWarehouseError extends AppError {
  constructor(readonly schemas: readonly ForeignSchema[]) {
    const reasons = schemas.map(({ schema, loadedFrom }) =>
      loadedFrom === undefined
        ? `  - le schéma « ${schema} » existe sans la marque de « pilotage seed » (en tête de son commentaire) ;`
        : `  - le schéma « ${schema} » porte cette marque, mais son dernier chargement vient de « ${loadedFrom} » ;`,
    );
    const options = schemas.map(({ schema }) => `--replace-foreign-schema ${schema}`).join(" ");
    super(
      409,
      [
        "« pilotage seed » ne remplace que les schémas qu'il a écrits, et n'a rien modifié :",
        ...reasons,
        "ils peuvent tenir de vraies données (« annuaire » : les membres des emplois, données personnelles).",
        "Vérifiez l'adresse de la base (--database-url, WAREHOUSE_URL). Seulement s'il s'agit d'une base de " +
          `démonstration dont ces données peuvent être perdues, relancez « pilotage seed » avec ${options}.`,
      ].join("\n"),
      { code: "foreign_warehouse" },
    );
  }
}
