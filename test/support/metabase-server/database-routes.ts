import type { Router } from "express";
import { idParam, requireSuperuser, type ServerContext } from "./context.js";
import { notFound } from "./errors.js";
import { databaseJson, fieldJson, tableJson } from "./json.js";

/** Databases, tables and fields, as Metabase's sync of the warehouse left them (metabase-contract.md §2.4). */
export function databaseRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;
  router.get("/database", (req, res) => {
    const include = req.query.include === "tables" ? "tables" : "none";
    const data = [...state.databases.values()].map((db) => databaseJson(db, include));
    res.json({ data, total: data.length });
  });
  router.get("/database/:id", (req, res) => {
    const db = state.databases.get(idParam(req));
    if (!db) throw notFound();
    res.json(databaseJson(db, "none"));
  });
  router.get("/database/:id/metadata", (req, res) => {
    const db = state.databases.get(idParam(req));
    if (!db) throw notFound();
    res.json(databaseJson(db, "metadata"));
  });
  router.post("/database/:id/sync_schema", async (req, res) => {
    requireSuperuser(res);
    if (!state.databases.has(idParam(req))) throw notFound();
    await ctx.syncWarehouse();
    res.json({ status: "ok" });
  });
  router.get("/table/:id/query_metadata", (req, res) => {
    const id = idParam(req);
    for (const db of state.databases.values()) {
      const table = db.tables.find((t) => t.id === id);
      if (table) {
        res.json({ ...tableJson(table, true), db: databaseJson(db, "none") });
        return;
      }
    }
    throw notFound();
  });
  router.get("/field/:id", (req, res) => {
    const id = idParam(req);
    for (const db of state.databases.values()) {
      for (const table of db.tables) {
        const field = table.fields.find((f) => f.id === id);
        if (field) {
          res.json({ ...fieldJson(field), table: tableJson(table, false) });
          return;
        }
      }
    }
    throw notFound();
  });
}
