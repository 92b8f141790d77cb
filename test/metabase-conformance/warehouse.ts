import type { Database } from "../../src/storage/database.js";
import type { FieldMetadata } from "../support/metabase-server/index.js";
import { CONFORMANCE_TABLE, FIXTURE_SQL } from "../support/metabase-server/fixture.js";
import { syncWarehouseTables } from "../support/metabase-server/warehouse.js";
import { openFreshWarehouse } from "../support/warehouse-database.js";

/** A throw-away Postgres holding the fixture tables, and their columns as Metabase's sync would describe them. */
export async function openConformanceWarehouse(): Promise<{
  warehouse: Database;
  fields: Map<string, FieldMetadata>;
  close(): Promise<void>;
}> {
  const { db: warehouse, drop } = await openFreshWarehouse("conf");
  await warehouse.exec(FIXTURE_SQL);
  const [table] = await syncWarehouseTables(warehouse, 1, { tables: [`public.${CONFORMANCE_TABLE}`] }, [], {
    table: 0,
    field: 0,
  });
  const fields = new Map<string, FieldMetadata>(
    table!.fields.map((f) => [
      f.name,
      { id: f.id, schema: table!.schema, table: table!.name, name: f.name, baseType: f.effective_type },
    ]),
  );
  return {
    warehouse,
    fields,
    async close() {
      await warehouse.close();
      await drop();
    },
  };
}
