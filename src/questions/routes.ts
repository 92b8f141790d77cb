import { Router, type Request, type Response } from "express";
import type { Redis } from "ioredis";
import { z } from "zod";
import { writeAudit, type AuditEntry } from "../audit/audit-log.js";
import { getSessionUser } from "../auth/session.js";
import { questionRenderParameters, renderQuestion, type Catalog, type Question } from "../catalog/index.js";
import { RESERVED_PARAMETER_NAMES } from "../catalog/reserved-parameters.js";
import type { Config } from "../config.js";
import { withDeadline } from "../deadline.js";
import {
  AppError,
  BadRequestError,
  DependencyError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
} from "../errors.js";
import { rateLimit } from "../http/rate-limit.js";
import type { Logger } from "../logging.js";
import type { Metrics } from "../metrics/metrics.js";
import { narrowedPerimeter } from "../perimeter/narrowed-profile.js";
import { CHOICE_PARAMETERS, NarrowingError } from "../perimeter/narrowing.js";
import { currentProfile, NoAccessError, type Profile } from "../perimeter/session-profile.js";
import type { TerritoryReferenceReader } from "../territories/reference.js";
import type { Database } from "../storage/database.js";
import { TemplateError, type RenderedQuery } from "../template/index.js";
import { readLoadMarker } from "../warehouse/load-marker.js";
import { EXPORT_FORMATS, type ExportFormat } from "./api-schemas.js";
import { exportBuffered, type BufferedFormat } from "./buffered-export.js";
import { CSV_DIALECTS } from "./csv-dialect.js";
import { describeQuestion, exportFileName, exportScope, lockedAttributes } from "./describe.js";
import { exportAbout, parisWallClock, type ExportContext } from "./export-about.js";
import { ExportError } from "./export-error.js";
import {
  parseEditableParameters,
  questionGrant,
  visibleQuestions,
  type QuestionGrant,
} from "./question-access.js";
import { ResponseSink } from "./response-sink.js";
import { streamCsv, streamJson, type StreamLimits } from "./stream.js";
import { streamXlsx } from "./xlsx-export.js";

/**
 * The questions API (issue 10): `GET /api/questions`, the definitions the caller may see, and
 * `GET /api/questions/{key}/data`, a question run under the caller's locks and streamed as CSV (two
 * dialects), JSON or XLSX.
 * Anonymous callers see and export the public questions only. Locked values come from the session's
 * profile alone (PRODUCT.md §3, invariant 1); editable ones from the query string, by declared type.
 */

export interface QuestionsRouterDeps {
  config: Config;
  logger: Logger;
  /** The gateway database, for the audit log. */
  db: Database;
  warehouse: Database;
  catalog: Catalog;
  redis: Redis | undefined;
  /** The bassins and EPCI of each département: an export narrows as its dashboard page did. */
  territories: TerritoryReferenceReader;
  metrics?: Pick<Metrics, "exports"> | undefined;
}

/**
 * The territory a narrowed page's export link carries (`departement=93&bassin=…`, issue 19): the choice
 * names that are not editable tags of the question (a public question's `departement` filter stays a
 * filter). Only a placed person narrows, and only inside their perimeter.
 */
async function exportNarrowing(
  req: Request,
  question: Question,
  profile: Profile | null,
  grant: QuestionGrant,
  territories: TerritoryReferenceReader,
): Promise<{ profile: Profile | null; names: string[] }> {
  if (!profile) return { profile, names: [] };
  const editable = new Set(
    question.parameters.filter((p) => grant.locks[p.tag] === undefined).map((p) => p.tag),
  );
  const names = CHOICE_PARAMETERS.filter((name) => !editable.has(name));
  const asked = req.query as Record<string, unknown>;
  const query = Object.fromEntries(names.flatMap((name) => (name in asked ? [[name, asked[name]]] : [])));
  const { perimeter } = await narrowedPerimeter(req, profile.perimeter, territories, query);
  return { profile: perimeter === profile.perimeter ? profile : { ...profile, perimeter }, names };
}

const FormatSchema = z.enum(EXPORT_FORMATS);
const DialectSchema = z.enum(CSV_DIALECTS);

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** Who the API answers for: null for an anonymous caller; a logged-in person must have been placed. */
function callerProfile(req: Request): Profile | null {
  const profile = currentProfile(req);
  if (getSessionUser(req) && !profile) throw new NoAccessError();
  return profile;
}

/** The renderer's refusals, in French, naming the parameter. */
function renderRefusal(error: TemplateError): AppError {
  const name = error.tag ?? "?";
  if (error.code === "missing-required-parameter") {
    return new BadRequestError(`Le paramètre « ${name} » est obligatoire pour cette question.`, {
      parameter: name,
    });
  }
  if (error.code === "invalid-parameter" && error.tag) {
    return new BadRequestError(`La valeur du paramètre « ${name} » n'est pas valide pour cette question.`, {
      parameter: name,
    });
  }
  return new AppError(500, "La question ne peut pas être construite.", { cause: error });
}

function keyOf(req: Request): string {
  // `*key` gives the path's segments, decoded: `iae/x` and `iae%2Fx` name the same question.
  const segments: unknown = req.params.key;
  return Array.isArray(segments) ? segments.join("/") : String(segments ?? "");
}

export function questionsRouter(deps: QuestionsRouterDeps): Router {
  const { catalog, db, warehouse, config } = deps;
  const router = Router();
  const limits: StreamLimits = {
    rowCap: config.export.rowCap,
    statementTimeoutMs: config.export.statementTimeoutSeconds * 1000,
    // Exports take the rest of their time from EXPORT_STATEMENT_TIMEOUT_SECONDS, not from the request's
    // deadline; only their start is bounded like a page's: a free export connection, a first answer.
    ...(warehouse.limits ? { waitMs: warehouse.limits.connectTimeoutMs } : {}),
  };
  // Per person, across every gateway process; anonymous callers per address.
  const exportLimit = rateLimit({
    name: "export",
    points: config.export.rateLimitPerMinute,
    windowSeconds: 60,
    redis: deps.redis,
    keyOf: (req) => {
      const user = getSessionUser(req);
      return user ? `person:${user.sub}` : `address:${req.ip ?? "unknown"}`;
    },
  });

  router.get("/api/questions", (req, res) => {
    const profile = callerProfile(req);
    res.setHeader("Cache-Control", "private, no-store");
    res.json({ questions: visibleQuestions(catalog, profile).map((g) => describeQuestion(catalog, g)) });
  });

  router.get("/api/questions/*key/data", exportLimit, async (req, res) => {
    const user = getSessionUser(req);
    const profile = callerProfile(req);
    if (profile?.preview) {
      throw new ForbiddenError(
        "Les exports sont désactivés pendant un aperçu : quittez l'aperçu pour télécharger des données.",
        "preview_export",
      );
    }
    const key = keyOf(req);
    const question = catalog.questions.find((q) => q.key === key);
    if (!question) throw new NotFoundError("Cette question n'existe pas.");
    const wholeGrant = questionGrant(catalog, profile, question);
    if (!wholeGrant) {
      if (!user)
        throw new UnauthenticatedError("Connectez-vous pour exporter les données de cette question.");
      throw new ForbiddenError("Votre profil ne donne pas accès à cette question.");
    }
    const narrowing = await exportNarrowing(req, question, profile, wholeGrant, deps.territories);
    const grant = questionGrant(catalog, narrowing.profile, question);
    if (!grant) {
      throw new NarrowingError("Cette question ne se restreint pas à ce territoire.", "departement");
    }
    const format = FormatSchema.safeParse(req.query.format ?? "csv");
    if (!format.success) {
      throw new BadRequestError("Le paramètre « format » attend csv, json ou xlsx.", { parameter: "format" });
    }
    const dialect = DialectSchema.safeParse(req.query.dialect ?? "rfc4180");
    if (!dialect.success) {
      throw new BadRequestError("Le paramètre « dialect » attend rfc4180 ou excel-fr.", {
        parameter: "dialect",
      });
    }
    if (req.query.dialect !== undefined && format.data !== "csv") {
      throw new BadRequestError("Le paramètre « dialect » ne s'applique qu'au format csv.", {
        parameter: "dialect",
      });
    }
    const editable = parseEditableParameters(
      grant,
      req.query,
      new Set([...RESERVED_PARAMETER_NAMES, ...narrowing.names]),
    );
    let rendered: RenderedQuery;
    try {
      // Locks last: they win over anything, though parseEditableParameters already refused them.
      rendered = renderQuestion(
        question,
        questionRenderParameters(question, { ...editable, ...grant.locks }),
      );
    } catch (error) {
      if (error instanceof TemplateError) throw renderRefusal(error);
      throw error;
    }

    // The file says what it holds: the narrowed perimeter, not the whole one.
    const scope = exportScope(lockedAttributes(catalog, grant), narrowing.profile);
    const described = question.columns;
    let target: BufferedFormat;
    if (format.data === "xlsx") {
      const context: ExportContext = {
        question,
        scope,
        locks: grant.locks,
        chosen: editable,
        loadMarker: await readLoadMarker(warehouse),
        extractedAt: parisWallClock(new Date()),
      };
      target = {
        format: "xlsx",
        xlsx: { described, about: (rows) => exportAbout(context, rows), wallClock: context.extractedAt },
      };
    } else if (format.data === "csv") {
      target = { format: "csv", csv: { dialect: dialect.data, described } };
    } else target = { format: "json" };

    const audit: Omit<AuditEntry, "action"> = {
      actor: user ? { sub: user.sub, email: user.email } : undefined,
      profileKind: profile?.kind ?? "anonyme",
      organisationId: profile?.organisationRef,
      resource: { kind: "question", key: question.key, id: question.contentVersion },
      lockedValues: grant.locks,
      requestId: String(req.id ?? ""),
    };
    // Fail closed: no audit row, no data (nothing has been sent yet; the error handler answers).
    const auditId = await writeAudit(db, {
      ...audit,
      action: "export.data",
      details: {
        format: format.data,
        ...(format.data === "csv" ? { dialect: dialect.data } : {}),
        parameters: editable,
        dashboards: grant.dashboards,
      },
    });

    const fileName = exportFileName(question.key, scope, format.data);
    await sendExport(req, res, {
      format: format.data,
      fileName,
      refusal: (failure) => valueRefusal(failure, editable),
      run: (sink) => {
        const pool = warehouse.streamPool;
        if (!pool) return exportBuffered(warehouse, rendered, target, sink, limits);
        if (target.format === "csv") return streamCsv(pool, rendered, sink, limits, undefined, target.csv);
        if (target.format === "xlsx") return streamXlsx(pool, rendered, sink, limits, undefined, target.xlsx);
        return streamJson(pool, rendered, sink, limits);
      },
      // The log is append-only: the outcome is a second row pointing at the first. Written under a
      // deadline of its own: the request's may be long gone, and so may the client.
      record: async (outcome) => {
        deps.metrics?.exports.inc({ format: format.data, outcome: outcome.ok ? "completed" : "failed" });
        try {
          await withDeadline(config.limits.requestDeadlineMs, () =>
            writeAudit(db, {
              ...audit,
              action: outcome.ok ? "export.completed" : "export.failed",
              details: { export_audit_id: auditId, format: format.data, ...outcome.details },
            }),
          );
        } catch (error) {
          (req.log ?? deps.logger).error({ err: error, auditId }, "export outcome not audited");
        }
      },
    });
  });

  return router;
}

/**
 * Postgres' words for a value it cannot take: a number beyond the column (`make_date(0, 1, 1)`, beyond an
 * int), a date out of range, text it cannot read. The parsing above refuses what it can tell alone;
 * what only the question's SQL tells is answered the same way, a 400, when the request chose values.
 */
const VALUE_REJECTED = new Set(["22001", "22003", "22007", "22008", "22021", "22P02"]);

function valueRefusal(failure: ExportError, editable: Record<string, unknown>): AppError | undefined {
  const code: unknown = (failure.cause as { code?: unknown } | undefined)?.code;
  const names = Object.keys(editable);
  if (failure.reason !== "query_failed" || typeof code !== "string" || !VALUE_REJECTED.has(code)) return;
  if (names.length === 0) return; // The defaults failed: the question's fault, not the request's.
  return names.length === 1
    ? new BadRequestError(
        `La valeur du paramètre « ${names[0]} » est hors des limites que cette question accepte.`,
        { parameter: names[0] },
      )
    : new BadRequestError(
        `L'une des valeurs choisies (${names.map((n) => `« ${n} »`).join(", ")}) est hors des limites que cette question accepte.`,
        { parameters: names },
      );
}

interface Outcome {
  ok: boolean;
  details: Record<string, unknown>;
}

/**
 * Runs an exporter into the response. Headers wait for the first byte: a failure before it (row cap,
 * timeout, query error) is a normal JSON error. After it, CSV and XLSX end by cutting the connection (the
 * client sees an incomplete transfer, never a file that looks whole) and JSON ends its envelope with
 * `"complete":false` and the error.
 */
async function sendExport(
  req: Request,
  res: Response,
  options: {
    format: ExportFormat;
    fileName: string;
    /** The answer for a failure the request caused, rather than the failure itself. */
    refusal: (failure: ExportError) => AppError | undefined;
    run: (sink: ResponseSink) => Promise<number>;
    record: (outcome: Outcome) => Promise<void>;
  },
): Promise<void> {
  res.status(200);
  res.attachment(options.fileName);
  res.setHeader("Content-Type", CONTENT_TYPES[options.format]);
  res.setHeader("Cache-Control", "no-store");
  const sink = new ResponseSink(res);
  try {
    const rows = await options.run(sink);
    await sink.flush();
    await options.record({ ok: true, details: { row_count: rows, bytes: sink.bytes } });
    res.end();
  } catch (error) {
    const failure =
      error instanceof ExportError || error instanceof DependencyError
        ? error
        : new ExportError("query_failed", "La requête a échoué : l'export est interrompu.", error);
    const reason = failure instanceof ExportError ? failure.reason : `warehouse_${failure.failure}`;
    await options.record({
      ok: false,
      details: { reason, bytes: sink.bytes, message: failure.publicMessage },
    });
    if (!res.headersSent) {
      res.removeHeader("Content-Disposition");
      res.removeHeader("Content-Type");
      throw (failure instanceof ExportError ? options.refusal(failure) : undefined) ?? failure;
    }
    req.log?.warn({ reason, bytes: sink.bytes }, "export ended early");
    if (options.format === "json" && reason !== "aborted" && !res.destroyed) {
      // streamJson closed its envelope with the error; deliver it.
      await sink.flush().catch(() => {});
      res.end();
      return;
    }
    res.destroy();
  }
}
