import { ANNUAIRE_SCHEMA, WAREHOUSE_SCHEMA } from "./tables.js";
import { countOf } from "../french-plural.js";
import type { Queryable } from "../storage/database.js";

/**
 * Metabase's own role on the warehouse (PRODUCT.md decision: it reads `entrepot` and nothing else; the
 * members in `annuaire` are personal data the gateway alone may read). Checked by `pilotage metabase
 * bootstrap`, connected as that role, before Metabase is given its credentials: each problem says what to
 * change, in French.
 */

export async function checkMetabaseReaderRole(db: Queryable): Promise<{ role: string; problems: string[] }> {
  const { rows: who } = await db.query<{ role: string; superuser: boolean | null }>(
    "SELECT current_user AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser",
  );
  const role = who[0]?.role ?? "?";
  const problems: string[] = [];
  if (who[0]?.superuser) {
    problems.push(
      `${role} est superutilisateur : il lit tout, ${ANNUAIRE_SCHEMA} compris ; créez un rôle qui n'a que SELECT sur ${WAREHOUSE_SCHEMA}`,
    );
  }
  const { rows: schemas } = await db.query<{ schema: string; usage: boolean; create: boolean }>(
    `SELECT nspname AS schema, has_schema_privilege(oid, 'USAGE') AS usage, has_schema_privilege(oid, 'CREATE') AS create
       FROM pg_namespace WHERE nspname = ANY($1)`,
    [[WAREHOUSE_SCHEMA, ANNUAIRE_SCHEMA]],
  );
  const warehouse = schemas.find((s) => s.schema === WAREHOUSE_SCHEMA);
  const personal = schemas.find((s) => s.schema === ANNUAIRE_SCHEMA);
  if (!warehouse) {
    problems.push(`la base n'a pas de schéma ${WAREHOUSE_SCHEMA} : est-ce bien l'entrepôt ?`);
  } else if (!warehouse.usage) {
    problems.push(
      `${role} ne peut pas lire ${WAREHOUSE_SCHEMA} : GRANT USAGE ON SCHEMA ${WAREHOUSE_SCHEMA} TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA ${WAREHOUSE_SCHEMA} TO ${role};`,
    );
  }
  if (personal?.usage && !who[0]?.superuser) {
    problems.push(
      `${role} peut entrer dans le schéma ${ANNUAIRE_SCHEMA} (données personnelles, jamais pour Metabase) : REVOKE ALL ON SCHEMA ${ANNUAIRE_SCHEMA} FROM ${role}, PUBLIC;`,
    );
  }
  if (warehouse?.create && !who[0]?.superuser) {
    problems.push(`${role} peut créer des objets dans ${WAREHOUSE_SCHEMA} : Metabase n'a besoin que de lire`);
  }
  if (warehouse) {
    const { rows } = await db.query<{ writable: number }>(
      `SELECT count(*)::int AS writable FROM pg_tables
        WHERE schemaname = $1
          AND (has_table_privilege(format('%I.%I', schemaname, tablename), 'INSERT')
            OR has_table_privilege(format('%I.%I', schemaname, tablename), 'UPDATE')
            OR has_table_privilege(format('%I.%I', schemaname, tablename), 'DELETE')
            OR has_table_privilege(format('%I.%I', schemaname, tablename), 'TRUNCATE'))`,
      [WAREHOUSE_SCHEMA],
    );
    const writable = rows[0]?.writable ?? 0;
    if (writable > 0 && !who[0]?.superuser) {
      problems.push(
        `${role} peut écrire dans ${countOf(writable, "table", "tables")} de ${WAREHOUSE_SCHEMA} (propriétaire, ou INSERT/UPDATE/DELETE accordés) : Metabase n'a besoin que de SELECT`,
      );
    }
  }
  return { role, problems };
}
