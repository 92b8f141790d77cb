import type { Router } from "express";
import { idParam, type ServerContext } from "./context.js";
import { collectionJson, ROOT_COLLECTION } from "./json.js";
import { collectionOr404, has, listOf } from "./object-access.js";
import { CollectionCreate, CollectionUpdate, parseBody } from "./schemas.js";
import { newEntityId, nowIso, type Collection } from "./state.js";
import { setCollectionArchived, trashJson } from "./trash.js";

/** Collections (metabase-contract.md §2.5). */
export function collectionRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;
  router.get("/collection", (req, res) => {
    const archived = req.query.archived === "true";
    const collections = [...state.collections.values()]
      .filter((c) => c.archived === archived)
      .map((c) => collectionJson(c, state));
    // v51+: the Trash is listed with the archived collections, never with the live ones.
    const trash = archived ? trashJson(state) : undefined;
    res.json(
      archived ? [...(trash ? [trash] : []), ...collections] : [{ ...ROOT_COLLECTION }, ...collections],
    );
  });
  router.get("/collection/root", (_req, res) => {
    res.json({ ...ROOT_COLLECTION });
  });
  router.get("/collection/:id", (req, res) => {
    const id = idParam(req);
    const trash = id === state.trashCollectionId ? trashJson(state) : undefined;
    res.json(trash ?? collectionJson(collectionOr404(ctx, id), state));
  });
  router.get("/collection/:id/items", (req, res) => {
    const raw = req.params.id;
    const collectionId = raw === "root" ? null : collectionOr404(ctx, idParam(req)).id;
    const archived = req.query.archived === "true";
    const models = listOf(req.query.models);
    const wanted = (model: string) => models.length === 0 || models.includes(model);
    const items: Record<string, unknown>[] = [];
    if (wanted("collection")) {
      for (const c of state.collections.values()) {
        if (c.parent_id === collectionId && c.archived === archived) {
          items.push({ ...collectionJson(c, state), model: "collection" });
        }
      }
    }
    if (wanted("dashboard")) {
      for (const d of state.dashboards.values()) {
        if (d.collection_id === collectionId && d.archived === archived) {
          items.push({
            id: d.id,
            entity_id: d.entity_id,
            name: d.name,
            description: d.description,
            model: "dashboard",
            collection_position: d.collection_position,
            archived: d.archived,
          });
        }
      }
    }
    for (const c of state.cards.values()) {
      const model = c.type === "model" ? "dataset" : c.type === "metric" ? "metric" : "card";
      if (wanted(model) && c.collection_id === collectionId && c.archived === archived) {
        items.push({
          id: c.id,
          entity_id: c.entity_id,
          name: c.name,
          description: c.description,
          model,
          display: c.display,
          database_id: c.database_id,
          collection_position: c.collection_position,
          archived: c.archived,
        });
      }
    }
    items.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    res.json({
      total: items.length,
      data: items,
      models: models.length ? models : null,
      limit: null,
      offset: null,
    });
  });
  router.post("/collection", (req, res) => {
    const body = parseBody(CollectionCreate, req.body);
    const parent = body.parent_id ? collectionOr404(ctx, body.parent_id) : undefined;
    const id = state.nextId("collection");
    const collection: Collection = {
      id,
      entity_id: newEntityId(),
      name: body.name,
      description: body.description ?? null,
      parent_id: parent?.id ?? null,
      location: parent ? `${parent.location}${parent.id}/` : "/",
      archived: false,
      archived_directly: null,
      namespace: body.namespace ?? null,
      authority_level: body.authority_level ?? null,
      created_at: nowIso(),
    };
    state.collections.set(id, collection);
    res.json(collectionJson(collection, state));
  });
  router.put("/collection/:id", (req, res) => {
    const collection = collectionOr404(ctx, idParam(req));
    const body = parseBody(CollectionUpdate, req.body);
    if (body.name) collection.name = body.name;
    if (has(body, "description")) collection.description = body.description ?? null;
    if (body.parent_id !== undefined && body.parent_id !== collection.parent_id) {
      const parent = body.parent_id === null ? undefined : collectionOr404(ctx, body.parent_id);
      const oldPrefix = `${collection.location}${collection.id}/`;
      collection.parent_id = parent?.id ?? null;
      collection.location = parent ? `${parent.location}${parent.id}/` : "/";
      const newPrefix = `${collection.location}${collection.id}/`;
      for (const c of state.collections.values()) {
        if (c.location.startsWith(oldPrefix)) c.location = newPrefix + c.location.slice(oldPrefix.length);
      }
    }
    if (typeof body.archived === "boolean" && body.archived !== collection.archived) {
      setCollectionArchived(ctx, collection, body.archived);
    }
    res.json(collectionJson(collection, state));
  });
}
