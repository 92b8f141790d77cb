import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { checkEmbeddingEnabled, type ServerContext } from "./context.js";
import { validateAndMergeParams, urlParams, type SlugValues } from "./embed-params.js";
import { MetabaseError, plainError } from "./errors.js";
import { claimAt, unsignEmbedToken, type Claims } from "./jwt.js";
import { nativeOf } from "./mbql.js";
import {
  applySlugValues,
  combineParametersAndTemplateTags,
  resolveDashboardParameters,
  resolveParamsForDashcard,
} from "./parameters.js";
import { executeCard, executeDeps } from "./query.js";
import { ENTITY_ID, type Card, type Dashboard } from "./state.js";

/**
 * The static-embedding endpoints (metabase-contract.md §1.4), each check in Metabase's order. Metabase
 * mounts `/api/embed` behind `message-only-exceptions`: whatever goes wrong before the query runs, the
 * answer is a 400 whose plain-text body is the exception's message — including "Not found." and "The object
 * has been archived.", which are 404s everywhere else.
 */

type Model = "Card" | "Dashboard";

function tokenOf(req: Request): string {
  return String(req.params.token);
}

function unsign(ctx: ServerContext, req: Request): Claims {
  const secret = ctx.state.settings.get("embedding-secret-key");
  return unsignEmbedToken(tokenOf(req), typeof secret === "string" ? secret : undefined, ctx.nowSeconds());
}

/** `resource.question` / `resource.dashboard`, entity ids translated (v51+), then the positive-id check. */
function resourceId(ctx: ServerContext, claims: Claims, model: Model): number {
  const key = model === "Card" ? "question" : "dashboard";
  let id = claimAt(claims, ["resource", key]);
  if (typeof id === "string" && ctx.features.entityIdResources) {
    const objects: (Card | Dashboard)[] =
      model === "Card" ? [...ctx.state.cards.values()] : [...ctx.state.dashboards.values()];
    const found = ENTITY_ID.test(id) ? objects.find((o) => o.entity_id === id) : undefined;
    if (!found) throw plainError(400, "problem looking up id from entity_id");
    id = found.id;
  }
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) {
    throw plainError(400, `${model} id should be a positive integer.`);
  }
  return id;
}

/** `check-embedding-enabled-for-object`: global toggle, existence, Trash, the object's own toggle. */
function embeddableObject<T extends Card | Dashboard>(ctx: ServerContext, object: T | undefined): T {
  checkEmbeddingEnabled(ctx);
  if (!object) throw plainError(404, "Not found.");
  if (object.archived) throw plainError(404, "The object has been archived.");
  if (!object.enable_embedding) throw plainError(400, "Embedding is not enabled for this object.");
  return object;
}

function tokenParams(claims: Claims): SlugValues {
  const params = claimAt(claims, ["params"]);
  return params !== null && typeof params === "object" && !Array.isArray(params)
    ? (params as SlugValues)
    : {};
}

function queryParams(req: Request): Record<string, unknown> {
  return { ...(req.query as Record<string, unknown>) };
}

function cardTags(card: Card) {
  return nativeOf(card.dataset_query)?.tags ?? {};
}

/** What an embed may show of a card: no query, no SQL. */
function publicCard(card: Card): Record<string, unknown> {
  return {
    id: card.id,
    name: card.name,
    description: card.description,
    display: card.display,
    visualization_settings: card.visualization_settings,
    dataset_query: { type: card.dataset_query.type },
  };
}

/** Parameters an embed viewer may set: `enabled` ones, minus those the token already sets. */
function visibleParameters(
  parameters: Record<string, unknown>[],
  embeddingParams: Record<string, string> | null,
  token: SlugValues,
): Record<string, unknown>[] {
  return parameters.filter((p) => {
    const slug = String(p.slug);
    return !Object.prototype.hasOwnProperty.call(token, slug) && embeddingParams?.[slug] === "enabled";
  });
}

export function embedRouter(ctx: ServerContext): Router {
  const { state } = ctx;
  const router = express.Router();

  router.get("/card/:token", (req, res) => {
    const claims = unsign(ctx, req);
    const card = embeddableObject(ctx, state.cards.get(resourceId(ctx, claims, "Card")));
    const token = tokenParams(claims);
    res.json({
      ...publicCard(card),
      parameters: visibleParameters(
        combineParametersAndTemplateTags(card, cardTags(card)),
        card.embedding_params,
        token,
      ),
      param_values: null,
      param_fields: null,
    });
  });

  router.get("/card/:token/query", async (req, res) => {
    const claims = unsign(ctx, req);
    const card = embeddableObject(ctx, state.cards.get(resourceId(ctx, claims, "Card")));
    const merged = validateAndMergeParams(
      card.embedding_params,
      tokenParams(claims),
      urlParams(queryParams(req), ctx.features),
      ctx.features,
    );
    const parameters = applySlugValues(combineParametersAndTemplateTags(card, cardTags(card)), merged);
    const result = await executeCard(executeDeps(ctx), card, parameters, "embedded-question");
    res.status(result.status).json(result.body);
  });

  router.get("/dashboard/:token", (req, res) => {
    const claims = unsign(ctx, req);
    const dashboard = embeddableObject(ctx, state.dashboards.get(resourceId(ctx, claims, "Dashboard")));
    const token = tokenParams(claims);
    const parameters = visibleParameters(dashboard.parameters, dashboard.embedding_params, token);
    const shownIds = new Set(
      dashboard.parameters
        .filter((p) => dashboard.embedding_params?.[String(p.slug)] === "enabled")
        .map((p) => p.id),
    );
    res.json({
      id: dashboard.id,
      name: dashboard.name,
      description: dashboard.description,
      parameters,
      tabs: dashboard.tabs.map((t) => ({
        id: t.id,
        name: t.name,
        position: t.position,
        dashboard_id: t.dashboard_id,
      })),
      dashcards: dashboard.dashcards.map((dc) => {
        const card = dc.card_id === null ? undefined : state.cards.get(dc.card_id);
        return {
          id: dc.id,
          dashboard_id: dc.dashboard_id,
          dashboard_tab_id: dc.dashboard_tab_id,
          card_id: dc.card_id,
          card: card ? publicCard(card) : null,
          row: dc.row,
          col: dc.col,
          size_x: dc.size_x,
          size_y: dc.size_y,
          visualization_settings: dc.visualization_settings,
          // Mappings of locked, disabled or undeclared parameters are not the viewer's business.
          parameter_mappings: dc.parameter_mappings.filter((m) => shownIds.has(m.parameter_id)),
          series: [],
        };
      }),
      auto_apply_filters: dashboard.auto_apply_filters,
      width: dashboard.width,
      param_values: {},
      param_fields: null,
    });
  });

  router.get("/dashboard/:token/dashcard/:dashcardId/card/:cardId", async (req, res) => {
    const dashcardId = positive(req.params.dashcardId, "dashcard-id");
    const cardId = positive(req.params.cardId, "card-id");
    const claims = unsign(ctx, req);
    const dashboard = embeddableObject(ctx, state.dashboards.get(resourceId(ctx, claims, "Dashboard")));
    const merged = validateAndMergeParams(
      dashboard.embedding_params,
      tokenParams(claims),
      urlParams(queryParams(req), ctx.features),
      ctx.features,
    );
    const requestParams = resolveDashboardParameters(dashboard, merged);
    const dashcard = dashboard.dashcards.find(
      (dc) => dc.id === dashcardId && (dc.card_id === cardId || dc.series.some((s) => s.id === cardId)),
    );
    const card = state.cards.get(cardId);
    if (!dashcard || !card) throw plainError(404, "Not found.");
    const parameters = resolveParamsForDashcard(dashboard, dashcardId, cardId, requestParams);
    const result = await executeCard(executeDeps(ctx), card, parameters, "embedded-dashboard");
    res.status(result.status).json(result.body);
  });

  // `message-only-exceptions`: every failure on these routes is a 400 carrying the message as plain text.
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const message =
      error instanceof MetabaseError
        ? typeof error.body === "string"
          ? error.body
          : String(error.body.message ?? "")
        : error instanceof Error
          ? error.message
          : String(error);
    res.status(400).type("text/plain").send(message);
  });
  return router;
}

function positive(raw: unknown, name: string): number {
  const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw plainError(400, `Invalid input: {:${name} ["value must be an integer greater than zero."]}`);
  }
  return n;
}
