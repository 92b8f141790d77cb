import { z } from "zod";
import {
  ApiErrorSchema,
  EXPORT_FORMATS,
  ExportJsonSchema,
  QuestionDescriptionSchema,
  QuestionListSchema,
  QuestionColumnSchema,
  QuestionParameterSchema,
} from "../questions/api-schemas.js";
import { CSV_DIALECTS } from "../questions/csv-dialect.js";

/**
 * The OpenAPI 3.1 description of the gateway's JSON API, served at `/api/openapi.json`. Response bodies
 * are generated from the zod schemas the routes and tests use (src/questions/api-schemas.ts and the ones
 * below); test/openapi/openapi.test.ts walks the Express router and fails when a route under /api/ and
 * this document disagree. An operation marked `x-pilotage-planned` is described from its issue before
 * its route exists; the test fails once the route is mounted, so the mark goes when the route comes.
 */

/** `/api/me` (src/auth/routes.ts with src/perimeter/routes.ts' profile part). */
const TerritorySchema = z.strictObject({ code: z.string(), label: z.string() });
export const MeSchema = z.strictObject({
  email: z.string(),
  givenName: z.string(),
  usualName: z.string(),
  displayName: z.string(),
  organizationLabel: z.string().nullable(),
  siret: z.string().nullable(),
  profile: z
    .strictObject({
      kind: z.string().meta({ description: "Profile kind (ddets, dreets, employeur_siae, staff…)." }),
      label: z.string(),
      organisation: z.strictObject({ ref: z.string(), label: z.string() }),
      preview: z.boolean().meta({ description: "True while staff previews another profile." }),
      own: z.string().nullable().meta({ description: "The person's own profile kind during a preview." }),
      perimeter: z.strictObject({
        departements: z.array(TerritorySchema),
        region: TerritorySchema.nullable(),
        structures: z.array(z.number().int()),
        reseau: z.number().int().nullable(),
        organisation: z.number().int().nullable(),
        description: z.string(),
      }),
    })
    .nullable()
    .meta({ description: "Null for a person the gateway could not place (see `access`)." }),
  access: z.enum(["none", "anonymous"]).optional(),
});

/** `/api/dashboards` and `/api/dashboards/{key}/embed` (src/dashboards/api-routes.ts, issue 8). */
export const DashboardSchema = z.strictObject({
  key: z.string(),
  title: z.string(),
  heading: z.string().meta({ description: "The page's title, with the territory it is locked to." }),
  description: z.string(),
  theme: z.string(),
  public: z.boolean(),
  page: z.string().meta({ description: "Path of the dashboard's page." }),
  embed: z.string().meta({ description: "Path of its embed URL (`/api/dashboards/{key}/embed`)." }),
  locked_parameters: z.array(z.string()).meta({ description: "Slugs filled from the caller's perimeter." }),
  parameters: z
    .array(
      z.strictObject({
        slug: z.string(),
        label: z.string(),
        type: z.enum(["text", "number", "date", "date range"]),
        multiple: z.boolean(),
        default: z.unknown().meta({ description: "Null when none." }),
      }),
    )
    .meta({ description: "Editable parameters." }),
  feedback_url: z.string().nullable(),
  may_be_withdrawn: z.boolean(),
  source: z.string().nullable().meta({ description: "Where the dashboard's data comes from." }),
  content_version: z.string(),
});
export const DashboardListSchema = z.strictObject({
  profile: z.strictObject({
    kind: z.string(),
    label: z.string(),
    territory: z.string(),
    preview: z.boolean(),
  }),
  data: z
    .strictObject({
      cutoff_date: z.string().meta({ description: "`YYYY-MM-DD`: the last day the data covers." }),
      source: z.string().meta({ description: "Where the loaded data comes from." }),
    })
    .nullable()
    .meta({
      description:
        "The warehouse's current load; null when none is recorded. Relative defaults (`past12months`, " +
        "`thisyear`) count back from its cut-off date and are given here as the absolute values the pages use.",
    }),
  dashboards: z
    .array(DashboardSchema)
    .meta({ description: "Those the profile may open, then the public ones." }),
});
export const EmbedSchema = z.strictObject({
  url: z.string().meta({ description: "Signed Metabase embed URL, the locked parameters in its token." }),
  expires_at: z.string().meta({ description: "ISO 8601: when the token expires; ask again before then." }),
});

const COMPONENTS = {
  Me: MeSchema,
  Question: QuestionDescriptionSchema,
  QuestionParameter: QuestionParameterSchema,
  QuestionColumn: QuestionColumnSchema,
  QuestionList: QuestionListSchema,
  ExportJson: ExportJsonSchema,
  Dashboard: DashboardSchema,
  DashboardList: DashboardListSchema,
  Embed: EmbedSchema,
  Error: ApiErrorSchema,
} as const;

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}

const ref = (id: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: keyof typeof COMPONENTS) => ({ "application/json": { schema: ref(id) } });
const error = (description: string) => ({ description, content: json("Error") });

const KEY_PARAMETER = {
  name: "key",
  in: "path",
  required: true,
  description:
    "The question's key, e.g. `iae/candidatures-par-etat`. Its slashes may be written as they are or as `%2F`.",
  schema: { type: "string" },
};

export type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, unknown>;
};

export function openApiDocument(): OpenApiDocument {
  return {
    openapi: "3.1.0",
    info: {
      title: "Pilotage de l'inclusion — API de la passerelle",
      version: "1",
      description:
        "Definitions and data of the questions each person may see, under the locks of their perimeter " +
        "(PRODUCT.md §3–4). Authentication is the gateway's session cookie, obtained by logging in " +
        "through ProConnect; public questions need none. Errors are JSON (`Error`), messages in French.",
    },
    paths: {
      "/api/me": {
        get: {
          operationId: "getMe",
          summary: "The logged-in person and their profile (perimeter, preview).",
          security: [{ session: [] }],
          responses: {
            "200": { description: "The person.", content: json("Me") },
            "401": error("Not logged in."),
          },
        },
      },
      "/api/questions": {
        get: {
          operationId: "listQuestions",
          summary: "The questions the caller may see, with their parameters and which are locked for them.",
          description:
            "Anonymous callers get the public questions (shown by a public dashboard without locks). A " +
            "logged-in person gets the questions of the dashboards they may open.",
          security: [{}, { session: [] }],
          responses: {
            "200": { description: "The visible questions.", content: json("QuestionList") },
            "403": error("Logged in, but not placed on any perimeter yet (request access)."),
          },
        },
      },
      "/api/questions/{key}/data": {
        get: {
          operationId: "exportQuestion",
          summary: "Runs a question under the caller's locks and streams its rows as CSV, JSON or XLSX.",
          description:
            "Locked parameters are filled from the caller's perimeter and may not appear in the query " +
            "string. Every export is audited before its first byte. CSV is UTF-8 with a BOM and a header " +
            "row, in two dialects: `rfc4180` (the default: `,`, the column keys as header, stable for " +
            "scripts; `/api/questions` gives each key's label) and `excel-fr` (`;`, the French labels as " +
            "header, decimal comma, dates JJ/MM/AAAA). In every CSV dialect a text cell that starts with " +
            "`=`, `+`, `-`, `@`, tab or carriage return gets a leading `'` (spreadsheet formula " +
            "injection); numbers are never changed, JSON never escaped. XLSX has the labels as header, " +
            "number and date formats per column, text as strings (never formulas, with Excel's quote " +
            "prefix under the same rule), past 1,048,575 rows a next sheet, and an « Informations » " +
            "sheet (locks, filters, data cut-off, extraction date). An export that fails after it " +
            "started is cut (CSV, XLSX: the transfer ends incomplete) or marked (JSON: " +
            '`"complete": false` and `error`), never shortened silently. Refused during a staff preview.',
          security: [{}, { session: [] }],
          parameters: [
            KEY_PARAMETER,
            {
              name: "format",
              in: "query",
              required: false,
              schema: { type: "string", enum: [...EXPORT_FORMATS], default: "csv" },
            },
            {
              name: "dialect",
              in: "query",
              required: false,
              description: "CSV only (a 400 with another format).",
              schema: { type: "string", enum: [...CSV_DIALECTS], default: "rfc4180" },
            },
            {
              name: "parameters",
              in: "query",
              required: false,
              description:
                "Editable parameters of the question, by tag (`?type_structure=ACI&type_structure=EI`), " +
                "typed as `/api/questions` describes them.",
              style: "form",
              explode: true,
              schema: {
                type: "object",
                additionalProperties: {
                  oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
                },
              },
            },
          ],
          responses: {
            "200": {
              description:
                "The rows; `Content-Disposition` names the file after the question and the territory.",
              headers: {
                "Content-Disposition": { schema: { type: "string" }, description: "attachment; filename=…" },
              },
              content: {
                "text/csv": { schema: { type: "string" } },
                "application/json": { schema: ref("ExportJson") },
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                  schema: { type: "string", format: "binary" },
                },
              },
            },
            "400": error(
              "A parameter is unknown, locked, of the wrong type or beyond what the question accepts (`parameter` names it).",
            ),
            "401": error("Not logged in, and the question is not public."),
            "403": error("The caller's profile does not show this question, or a staff preview is on."),
            "404": error("No such question."),
            "422": error("Over the row cap or the statement timeout, before any row was sent."),
            "429": {
              description: "Too many exports for this person; retry after `Retry-After` seconds.",
              headers: { "Retry-After": { schema: { type: "integer" } } },
              content: json("Error"),
            },
            "503": {
              description:
                "A dependency did not answer within its limit (the warehouse, the gateway database, Redis: " +
                "`dependency_unavailable`), or every export connection is taken (`export_busy`); retry " +
                "after `Retry-After` seconds.",
              headers: { "Retry-After": { schema: { type: "integer" } } },
              content: json("Error"),
            },
          },
        },
      },
      "/api/dashboards": {
        get: {
          operationId: "listDashboards",
          summary: "The dashboards the caller may open, then the public ones.",
          security: [{ session: [] }],
          responses: {
            "200": { description: "The dashboards.", content: json("DashboardList") },
            "401": error("Not logged in."),
            "403": error("Not placed on any perimeter (request access)."),
          },
        },
      },
      "/api/dashboards/{key}/embed": {
        get: {
          operationId: "embedDashboard",
          summary: "A fresh signed embed URL for a dashboard, audited before it is returned.",
          description:
            "Locked parameters are signed from the caller's perimeter only, narrowed to a territory " +
            "chosen inside it (`departement`, `bassin`, `epci`: `chosen ∩ perimeter`, never wider). " +
            "Public dashboards need no login (anonymous callers are rate-limited per address).",
          security: [{}, { session: [] }],
          parameters: [
            { name: "key", in: "path", required: true, schema: { type: "string" } },
            ...(["departement", "bassin", "epci"] as const).map((name) => ({
              name,
              in: "query" as const,
              required: false,
              description: `Narrows the locks to this ${name === "departement" ? "département" : name === "bassin" ? "bassin d'emploi" : "EPCI (one département chosen)"} of the caller's perimeter; outside it, a 400.`,
              schema: { type: "string" as const },
            })),
          ],
          responses: {
            "200": { description: "The URL and its expiry.", content: json("Embed") },
            "400": error(
              "A territory outside the caller's perimeter, repeated, or malformed (`parameter` names it).",
            ),
            "401": error("Not logged in, and the dashboard is not public."),
            "403": error(
              "The caller may not open this dashboard, or a staff preview is on (`preview_embed`).",
            ),
            "404": error("No such dashboard."),
            "429": {
              description: "Too many anonymous requests; retry after `Retry-After` seconds.",
              headers: { "Retry-After": { schema: { type: "integer" } } },
              content: json("Error"),
            },
            "503": {
              description:
                "Metabase is not configured, the dashboard's publication is not verified yet, or a " +
                "dependency did not answer within its limit (`dependency_unavailable`: the audit log " +
                "fails closed, no URL without its row; retry after `Retry-After` seconds).",
              headers: { "Retry-After": { schema: { type: "integer" } } },
              content: json("Error"),
            },
          },
        },
      },
      "/api/openapi.json": {
        get: {
          operationId: "getOpenApi",
          summary: "This document.",
          security: [{}],
          responses: {
            "200": {
              description: "OpenAPI 3.1.",
              content: { "application/json": { schema: { type: "object" } } },
            },
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        session: {
          type: "apiKey",
          in: "cookie",
          name: "pilotage.sid",
          description:
            "The gateway's session cookie, set by the ProConnect login (`__Host-pilotage.sid` in production).",
        },
      },
    },
  };
}
