import type { Router } from "express";
import { currentUser, idParam, type ServerContext } from "./context.js";
import { notFound } from "./errors.js";
import { cardJson } from "./json.js";
import {
  cardOr404,
  checkAllowedToChangeEmbedding,
  has,
  mbql5,
  resolveCollectionId,
  storedQuery,
} from "./object-access.js";
import { nativeOf } from "./mbql.js";
import { combineParametersAndTemplateTags, type QueryParameter } from "./parameters.js";
import { executeCard, executeDeps } from "./query.js";
import { CardCreate, CardUpdate, parseBody } from "./schemas.js";
import { ENTITY_ID, newEntityId, nowIso, type Card } from "./state.js";
import { setItemArchived, trashFields } from "./trash.js";

/** Cards (metabase-contract.md §2.6). */
export function cardRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;
  router.get("/card", (req, res) => {
    const f = typeof req.query.f === "string" ? req.query.f : "all";
    const cards = [...state.cards.values()].filter((c) => (f === "archived" ? c.archived : !c.archived));
    res.json(cards.map((c) => cardJson(state, c, { mbql5: mbql5(ctx, req) })));
  });
  router.get("/card/:id", (req, res) => {
    const raw = String(req.params.id);
    const card =
      ctx.features.entityIdResources && ENTITY_ID.test(raw)
        ? [...state.cards.values()].find((c) => c.entity_id === raw)
        : state.cards.get(idParam(req));
    if (!card) throw notFound();
    res.json({ ...cardJson(state, card, { mbql5: mbql5(ctx, req) }), ...trashFields(state, card) });
  });
  router.post("/card", (req, res) => {
    const body = parseBody(CardCreate, req.body);
    const { query, databaseId } = storedQuery(ctx, body.dataset_query);
    const collectionId = resolveCollectionId(ctx, body.collection_id);
    const id = state.nextId("card");
    const now = nowIso();
    // `enable_embedding` and `embedding_params` are not create parameters: whatever is sent, a new card is
    // not embeddable until a PUT by an admin says so.
    const card: Card = {
      id,
      entity_id: newEntityId(),
      name: body.name,
      description: body.description ?? null,
      display: body.display,
      type: body.type ?? "question",
      visualization_settings: body.visualization_settings,
      dataset_query: query,
      database_id: databaseId,
      query_type: query.type === "native" ? "native" : "query",
      parameters: (body.parameters ?? []) as Record<string, unknown>[],
      parameter_mappings: (body.parameter_mappings ?? []) as Record<string, unknown>[],
      collection_id: collectionId,
      collection_position: body.collection_position ?? null,
      cache_ttl: body.cache_ttl ?? null,
      result_metadata: body.result_metadata ?? null,
      enable_embedding: false,
      embedding_params: null,
      embedding_type: null,
      archived: false,
      archived_directly: false,
      creator_id: currentUser(res).id,
      created_at: now,
      updated_at: now,
    };
    state.cards.set(id, card);
    res.json(cardJson(state, card, { mbql5: ctx.features.mbql5ReadBack }));
  });
  router.put("/card/:id", (req, res) => {
    const body = parseBody(CardUpdate, req.body);
    const card = cardOr404(ctx, idParam(req));
    const stored = body.dataset_query ? storedQuery(ctx, body.dataset_query) : undefined;
    if (has(body, "collection_id")) resolveCollectionId(ctx, body.collection_id);
    checkAllowedToChangeEmbedding(ctx, res, body, card);
    if (body.name) card.name = body.name;
    if (has(body, "description")) card.description = body.description ?? null;
    if (body.display) card.display = body.display;
    if (body.visualization_settings) card.visualization_settings = body.visualization_settings;
    if (body.type) card.type = body.type;
    if (stored) {
      card.dataset_query = stored.query;
      card.database_id = stored.databaseId;
      card.query_type = stored.query.type === "native" ? "native" : "query";
    }
    if (has(body, "collection_id")) card.collection_id = body.collection_id ?? null;
    if (has(body, "collection_position")) card.collection_position = body.collection_position ?? null;
    if (has(body, "cache_ttl")) card.cache_ttl = body.cache_ttl ?? null;
    if (body.parameters) card.parameters = body.parameters as Record<string, unknown>[];
    if (body.parameter_mappings)
      card.parameter_mappings = body.parameter_mappings as Record<string, unknown>[];
    if (has(body, "result_metadata")) card.result_metadata = body.result_metadata ?? null;
    if (typeof body.enable_embedding === "boolean") card.enable_embedding = body.enable_embedding;
    if (body.embedding_params) card.embedding_params = body.embedding_params;
    if (has(body, "embedding_type")) card.embedding_type = body.embedding_type ?? null;
    if (typeof body.archived === "boolean") {
      setItemArchived(ctx, card, body.archived, has(body, "collection_id") ? body.collection_id : undefined);
    }
    card.updated_at = nowIso();
    res.json({
      ...cardJson(state, card, { mbql5: ctx.features.mbql5ReadBack }),
      ...trashFields(state, card),
    });
  });
  // `POST /api/card/:id/query` (`process-query-for-card`): the request's parameters completed from the card's
  // own by id (`enrich-parameters-from-card`), then run; failures are a 202 with Metabase's message.
  router.post("/card/:id/query", async (req, res) => {
    const card = cardOr404(ctx, idParam(req));
    const sent = (req.body as { parameters?: unknown } | undefined)?.parameters;
    const requested = Array.isArray(sent) ? (sent as Record<string, unknown>[]) : [];
    const byId = new Map(
      combineParametersAndTemplateTags(card, nativeOf(card.dataset_query)?.tags ?? {}).map((p) => [p.id, p]),
    );
    const parameters = requested.map((p) => {
      const known = byId.get(p.id);
      return {
        ...(known ? { type: known.type, target: known.target } : {}),
        ...p,
      } as unknown as QueryParameter;
    });
    const result = await executeCard(executeDeps(ctx), card, parameters, "question");
    res.status(result.status).json(result.body);
  });
  router.delete("/card/:id", (req, res) => {
    const card = cardOr404(ctx, idParam(req));
    state.cards.delete(card.id);
    for (const d of state.dashboards.values())
      d.dashcards = d.dashcards.filter((dc) => dc.card_id !== card.id);
    res.status(204).end();
  });
}
