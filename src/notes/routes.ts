import { Router, type RequestHandler } from "express";
import { getSessionUser } from "../auth/session.js";
import { publicPageCache } from "../cache/public-pages.js";
import type { ResultCache } from "../cache/result-cache.js";
import type { Config } from "../config.js";
import type { Catalog, Note } from "../catalog/index.js";
import { noteDashboard } from "../catalog/note-dashboard.js";
import { citationsOf } from "../catalog/notes.js";
import { cardWarehouse } from "../dashboards/card-data.js";
import { territoryOf } from "../dashboards/dashboard-pages.js";
import { dataCutoffView, readDataCutoff } from "../dashboards/dashboard-view.js";
import { frenchLongDate } from "../dashboards/french-format.js";
import { isAnonymous } from "../dashboards/public-routes.js";
import { narrowedProfile } from "../dashboards/territory-choice.js";
import { AppError, NotFoundError } from "../errors.js";
import { renderPage } from "../http/render.js";
import { currentProfile, requireProfile } from "../perimeter/session-profile.js";
import type { TerritoryReferenceReader } from "../territories/reference.js";
import type { Queryable } from "../storage/database.js";
import { parseDay } from "../template/index.js";
import type { LoadMarkerReader } from "../warehouse/load-marker.js";
import { renderNoteMarkdown, type CitedValue } from "./markdown.js";
import { isPublicNote, noteAccess, readableNotes, themesOf } from "./note-access.js";
import { noteFigures } from "./note-figures.js";

/**
 * The notes d'analyse: `/notes` lists those the reader may open (filtered by theme), `/notes/:key` shows
 * one with every figure computed for this reader — under their locks, or the public rules — each with its
 * source and the data's cut-off date, laid out to print on A4 (public/print.css).
 */

export interface NotesDeps {
  catalog: Catalog;
  warehouse: Queryable;
  /**
   * Figures read through it when present, as dashboards' cards are (src/cache/result-cache.ts); an
   * anonymous reader's public note is then kept whole, as a public dashboard's page is.
   */
  resultCache?: ResultCache | undefined;
  config: Pick<Config, "cache">;
  /** The anonymous visitors' limit shared with public dashboards (publicPagesLimit). */
  limitPublicPages: RequestHandler;
  loadMarker: LoadMarkerReader;
  now: () => Date;
  /** The bassins and EPCI of each département: a note narrows like a dashboard (`?departement=93`). */
  territories: TerritoryReferenceReader;
  /** Counts a page seen (public notes and dashboards; src/audit/page-views.ts); absent in some tests. */
  countView?: (view: { kind: "note"; key: string; signedIn: boolean }) => void;
}

/** Rows a note's table shows; a note is read, not explored. */
const ROW_LIMIT = 200;

export class NoteForbiddenError extends AppError {
  constructor() {
    super(403, "Cette note n'est pas ouverte à votre profil ou à votre périmètre.", {
      code: "note_forbidden",
      link: { href: "/notes", label: "Les notes d'analyse" },
    });
  }
}

function publicationDate(note: Note): string {
  const day = parseDay(note.date);
  return day ? frenchLongDate(day) : note.date;
}

export function notesRouter(deps: NotesDeps): Router {
  const { catalog } = deps;
  const notes = new Map(catalog.notes.map((n) => [n.key, n]));
  const questions = new Map(catalog.questions.map((q) => [q.key, q]));
  const warehouse = cardWarehouse(deps.warehouse, deps.resultCache);
  const router = Router();

  router.get("/notes", async (req, res) => {
    const profile = currentProfile(req);
    const readable = readableNotes(catalog, profile);
    const themes = themesOf(readable.map((r) => r.note));
    const asked = typeof req.query.theme === "string" ? req.query.theme : "";
    const theme = themes.includes(asked) ? asked : "";
    await renderPage(req, res, "notes/list", {
      title: "Notes d'analyse",
      loggedIn: getSessionUser(req) !== undefined,
      placed: profile !== null,
      privateNotesExist: catalog.notes.some((n) => !isPublicNote(n)),
      themes: themes.map((name) => ({
        name,
        href: `/notes?theme=${encodeURIComponent(name)}`,
        current: name === theme,
      })),
      theme,
      notes: readable
        .filter(({ note }) => theme === "" || note.themes.includes(theme))
        .map(({ note }) => ({
          key: note.key,
          href: `/notes/${encodeURIComponent(note.key)}`,
          title: note.title,
          summary: note.summary,
          date: publicationDate(note),
          isoDate: note.date,
          themes: note.themes,
          public: isPublicNote(note),
        })),
    });
  });

  const findNote = (key: unknown): Note => {
    const note = typeof key === "string" ? notes.get(key) : undefined;
    if (!note) throw new NotFoundError("Cette note n'existe pas ou a été retirée.");
    return note;
  };
  // A public note is open to anyone; the others need a placed person, as private dashboards do.
  const profileUnlessPublic: RequestHandler = (req, res, next) => {
    if (isPublicNote(findNote(req.params.key))) return next();
    return requireProfile(req, res, next);
  };
  // A public note is a public page (src/dashboards/public-routes.ts): anonymous readers limited per
  // address, in the same count as public dashboards, and served whole from the cache, counted all the
  // same; its Cache-Control and Vary are the page cache's. A private note is no-store.
  const pageCache = publicPageCache({
    cache: deps.resultCache,
    ttlSeconds: deps.config.cache.publicPageSeconds,
    isAnonymous,
    onCacheHit: (req) =>
      deps.countView?.({ kind: "note", key: findNote(req.params.key).key, signedIn: false }),
  });
  const forPublicNotes =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) => {
      if (!isPublicNote(findNote(req.params.key))) {
        res.setHeader("Cache-Control", "no-store");
        return next();
      }
      return handler(req, res, next);
    };

  router.get(
    "/notes/:key",
    profileUnlessPublic,
    forPublicNotes(deps.limitPublicPages),
    forPublicNotes(pageCache),
    async (req, res) => {
      const note = findNote(req.params.key);
      // A note narrows exactly as the dashboard it behaves like (issue 19): `chosen ∩ perimeter`, a 400
      // outside it or for a lock the choice cannot fill, never on a public note.
      const { profile } = await narrowedProfile(
        req,
        noteDashboard(note),
        currentProfile(req),
        deps.territories,
      );
      const access = noteAccess(profile, note);
      if (!access.allowed) throw new NoteForbiddenError();
      const now = deps.now();
      const cutoff = await readDataCutoff(deps.loadMarker, now, req.log);
      const figures = await noteFigures({
        warehouse,
        questions,
        note,
        locks: access.locks,
        cutoff,
        now,
        rowLimit: ROW_LIMIT,
        onError: (error, block) =>
          req.log?.error({ err: error, note: note.key, block: block.id }, "note figure failed"),
      });
      const values = new Map<string, CitedValue>();
      for (const [id, figure] of figures) {
        if (figure.value) values.set(id, figure.value);
        else if (figure.error) values.set(id, { text: "donnée indisponible", missing: true });
      }
      const cited = new Set(citationsOf(note).map((c) => c.id));
      deps.countView?.({ kind: "note", key: note.key, signedIn: getSessionUser(req) !== undefined });

      const territory = isPublicNote(note) || !profile ? null : territoryOf(profile.perimeter);
      const heading = territory ? `${note.title} — ${territory}` : note.title;
      await renderPage(req, res, "notes/note", {
        title: heading,
        heading,
        territory,
        note: {
          title: note.title,
          summary: note.summary,
          authors: note.authors,
          date: publicationDate(note),
          isoDate: note.date,
          themes: note.themes,
        },
        data: dataCutoffView(cutoff),
        segments: note.body.map((segment) =>
          segment.kind === "markdown"
            ? { kind: "markdown", html: renderNoteMarkdown(segment.text, values) }
            : { kind: "figure", figure: figures.get(segment.blockId)! },
        ),
        sourceOf: (figure: { block: { source?: string } }) => figure.block.source ?? note.source ?? "",
        citedFigures: note.blocks
          .filter((b) => cited.has(b.id))
          .map((b) => ({ ...figures.get(b.id)!, source: b.source ?? note.source ?? "" })),
        // Charts are drawn on the server (src/views/dashboards/chart.ejs): no chart script.
        scripts: ["/static/app/print.js"],
      });
    },
  );
  return router;
}
