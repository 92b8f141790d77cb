import { dateStringToRange, parseQualifiedColumn, parseTemplate, TemplateError } from "../template/index.js";
import { EMBED_URL_LIMIT_BYTES, worstCaseEmbedUrlBytes, type EmbedSizeOptions } from "./embed-size.js";
import { NOTE_COLLECTION, noteDashboard } from "./note-dashboard.js";
import { line, Problems } from "./problems.js";
import { RESERVED_PARAMETER_NAMES } from "./reserved-parameters.js";
import { isListPosition, lineInSql, tagUses } from "./tag-uses.js";
import { dashboardCardColumnProblems, questionColumnProblems } from "./validate-columns.js";
import { comparisonProblems } from "./validate-comparison.js";
import { dashboardFilterProblems } from "./validate-filters.js";
import { duplicates, validateCollections } from "./validate-collections.js";
import { validateLocks, validateLockSources, validateProfileKinds } from "./validate-locks.js";
import { noteProblems } from "./validate-notes.js";
import type {
  Catalog,
  CatalogProblem,
  Dashboard,
  DashboardParameter,
  ProfileKind,
  Question,
  QuestionParameter,
} from "./types.js";

/**
 * Cross-file rules over a loaded catalog: template tags against declared parameters, dashboards against
 * questions, collections and profile kinds, Metabase's 24-column grid, the lock contract (PRODUCT.md §3,
 * invariant 3) and the embed URL size. Every problem names its file and line and says what to do.
 */

export interface ValidateOptions extends EmbedSizeOptions {
  /** Defaults to 8,000 bytes (Jetty's 8,192 minus headroom). */
  maxUrlBytes?: number;
}

export const GRID_COLUMNS = 24;

const FIXED_DAY = { year: 2024, month: 6, day: 15 };

function isDay(value: unknown): boolean {
  return typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) && isDateString(value);
}

function isDateString(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    dateStringToRange(value, FIXED_DAY);
    return true;
  } catch (error) {
    if (error instanceof TemplateError) return false;
    throw error;
  }
}

function isList(value: unknown, item: (v: unknown) => boolean): boolean {
  return Array.isArray(value) && value.length > 0 && value.every(item);
}

/** Why a default does not fit, or null. */
function defaultMismatch(
  kind: "text" | "number" | "day" | "date string",
  multiple: boolean,
  value: unknown,
): string | null {
  const ok = {
    text: (v: unknown) => typeof v === "string" && v !== "",
    number: (v: unknown) => typeof v === "number" && Number.isFinite(v),
    day: isDay,
    "date string": isDateString,
  }[kind];
  if (ok(value) || (multiple && (kind === "text" || kind === "number") && isList(value, ok))) return null;
  switch (kind) {
    case "text":
      return multiple ? "un texte ou une liste de textes" : "un texte";
    case "number":
      return multiple ? "un nombre ou une liste de nombres" : "un nombre";
    case "day":
      return "une date AAAA-MM-JJ";
    case "date string":
      return "une date de Metabase prise en charge (2024-01-31, 2024-01, Q1-2024, 2024-01-01~2024-03-31, past12months…)";
  }
}

function questionDefaultKind(p: QuestionParameter): "text" | "number" | "day" | "date string" {
  if (p.type === "field filter") {
    const t = p.columnType ?? "text";
    return t === "date" || t === "datetime" ? "date string" : t === "number" ? "number" : "text";
  }
  return p.type === "date" ? "day" : p.type;
}

function dashboardDefaultKind(p: DashboardParameter): "text" | "number" | "day" | "date string" {
  return p.type === "date" ? "day" : p.type === "date range" ? "date string" : p.type;
}

/** Whether a dashboard parameter of this type may feed this question tag. */
function typesMatch(d: DashboardParameter, q: QuestionParameter): boolean {
  const column = q.type === "field filter" ? (q.columnType ?? "text") : null;
  switch (d.type) {
    case "text":
      return q.type === "text" || column === "text";
    case "number":
      return q.type === "number" || column === "number";
    case "date":
      return q.type === "date" || column === "date" || column === "datetime";
    case "date range":
      return column === "date" || column === "datetime";
  }
}

function describeTag(q: QuestionParameter): string {
  return q.type === "field filter"
    ? `filtre de champ sur une colonne ${q.columnType ?? "text"}`
    : `variable ${q.type}`;
}

function validateQuestion(q: Question, collections: Set<string>, out: Problems) {
  const lines = q.location.lines;
  if (!collections.has(q.collection)) {
    out.add(
      "question.unknown-collection",
      q.file,
      line(lines, "collection"),
      `Collection « ${q.collection} » inconnue.`,
      "Utilisez une clé de metabase-config/collections.yaml, ou ajoutez-y cette collection.",
    );
  }
  if (!q.template) {
    let reason = "";
    try {
      parseTemplate(q.sql);
    } catch (error) {
      if (error instanceof TemplateError) reason = error.message;
      else throw error;
    }
    out.add(
      "question.sql-invalid",
      q.file,
      q.sqlLine,
      `Le SQL ne suit pas le langage de gabarits de Metabase : ${reason}`,
      "Vérifiez que chaque {{ a son }} et chaque [[ son ]], et que chaque clause [[ … ]] contient au moins un {{tag}}.",
    );
  }
  const uses = tagUses(q);
  const declared = new Map(q.parameters.map((p) => [p.tag, p]));
  const reported = new Set<string>();
  for (const use of uses) {
    if (declared.has(use.name) || reported.has(use.name)) continue;
    reported.add(use.name);
    out.add(
      "question.tag-undeclared",
      q.file,
      lineInSql(q, use.offset),
      `Le tag {{${use.name}}} n'a pas de paramètre déclaré.`,
      `Déclarez « ${use.name} » sous « parameters: » dans l'en-tête (type, label…), ou retirez le tag du SQL.`,
    );
  }
  for (const p of q.parameters) {
    const at = line(lines, `parameters.${p.tag}`);
    const own = uses.filter((u) => u.name === p.tag);
    if (RESERVED_PARAMETER_NAMES.has(p.tag)) {
      out.add(
        "question.parameter-reserved",
        q.file,
        at,
        `Le paramètre « ${p.tag} » porte un nom que l'API des questions réserve à l'export (${[...RESERVED_PARAMETER_NAMES].join(", ")}).`,
        `Renommez le tag {{${p.tag}}} et sa déclaration (par exemple « ${p.tag}_choisi »).`,
      );
    }
    if (q.template && own.length === 0) {
      out.add(
        "question.parameter-unused",
        q.file,
        at,
        `Le paramètre « ${p.tag} » est déclaré mais {{${p.tag}}} n'apparaît pas dans le SQL (hors commentaires).`,
        `Utilisez {{${p.tag}}} dans le SQL, ou supprimez sa déclaration.`,
      );
    }
    if (p.type === "field filter") {
      if (!p.column || !parseQualifiedColumn(p.column)) {
        out.add(
          "question.column-format",
          q.file,
          line(lines, `parameters.${p.tag}.column`, at),
          p.column
            ? `Le filtre de champ « ${p.tag} » doit nommer sa colonne sous la forme schema.table.colonne (reçu : « ${p.column} »).`
            : `Le filtre de champ « ${p.tag} » doit nommer sa colonne (« column: schema.table.colonne »).`,
          "Exemple : « column: public.candidatures.departement_structure ». Un filtre de champ porte sur la colonne d'une table, jamais sur un alias.",
        );
      }
      for (const use of own) {
        if (/(=|<>|!=|<|>|\bIN\s*\(|\bLIKE)\s*$/i.test(use.before)) {
          out.add(
            "question.field-filter-usage",
            q.file,
            lineInSql(q, use.offset),
            `Le filtre de champ {{${p.tag}}} est précédé d'un opérateur : Metabase écrit lui-même « colonne = … » ou « colonne IN (…) ».`,
            `Écrivez « WHERE {{${p.tag}}} » (ou « AND {{${p.tag}}} »), sans nom de colonne ni opérateur.`,
          );
        }
      }
    } else {
      if (p.column !== undefined || p.columnType !== undefined) {
        out.add(
          "question.column-not-field-filter",
          q.file,
          line(lines, `parameters.${p.tag}.column`, line(lines, `parameters.${p.tag}.column_type`, at)),
          `« column » et « column_type » ne concernent que les filtres de champ, pas « ${p.tag} » (${p.type}).`,
          "Retirez-les, ou passez le paramètre en « type: field filter ».",
        );
      }
      if (p.multiple && (p.type === "text" || p.type === "number")) {
        for (const use of own.filter((u) => !isListPosition(u))) {
          out.add(
            "question.multiple-not-in",
            q.file,
            lineInSql(q, use.offset),
            `« ${p.tag} » accepte plusieurs valeurs, que Metabase écrit « $1, $2, … » : {{${p.tag}}} doit être dans « IN ( … ) ».`,
            `Écrivez « colonne IN ({{${p.tag}}}) », ou utilisez un filtre de champ (« type: field filter »).`,
          );
        }
      }
      if (p.multiple && p.type === "date") {
        out.add(
          "question.multiple-date",
          q.file,
          at,
          `Une variable date (« ${p.tag} ») ne prend qu'une valeur.`,
          "Retirez « multiple: true », ou utilisez un filtre de champ sur une colonne date pour des périodes.",
        );
      }
    }
    if (p.default !== undefined) {
      const expected = defaultMismatch(questionDefaultKind(p), p.multiple, p.default);
      if (expected) {
        out.add(
          "question.default-invalid",
          q.file,
          line(lines, `parameters.${p.tag}.default`, at),
          `La valeur par défaut de « ${p.tag} » doit être ${expected}.`,
          "Corrigez-la ou supprimez-la.",
        );
      }
    }
  }
}

function validateDashboard(
  d: Dashboard,
  questions: Map<string, Question>,
  collections: Set<string>,
  kinds: Map<string, ProfileKind>,
  options: ValidateOptions,
  out: Problems,
) {
  const lines = d.location.lines;
  if (!collections.has(d.collection)) {
    out.add(
      "dashboard.unknown-collection",
      d.file,
      line(lines, "collection"),
      `Collection « ${d.collection} » inconnue.`,
      "Utilisez une clé de metabase-config/collections.yaml, ou ajoutez-y cette collection.",
    );
  }
  d.audiences.forEach((kind, i) => {
    if (!kinds.has(kind)) {
      out.add(
        "dashboard.unknown-profile-kind",
        d.file,
        line(lines, `audiences.${i}`, line(lines, "audiences")),
        `Type de profil « ${kind} » inconnu dans « audiences ».`,
        `Types possibles : ${[...kinds.keys()].join(", ")}.`,
      );
    }
  });
  if (!d.public && d.audiences.length === 0) {
    out.add(
      "dashboard.no-audience",
      d.file,
      1,
      "Ce tableau de bord n'est ni public ni ouvert à un type de profil.",
      "Ajoutez « audiences: [ddets, dreets, …] », ou « public: true » s'il est destiné à tous (sans paramètre verrouillé).",
    );
  }

  const slugs = new Map<string, { p: DashboardParameter; index: number }>();
  d.parameters.forEach((p, index) => {
    const at = line(lines, `parameters.${index}`);
    if (slugs.has(p.slug)) {
      out.add(
        "dashboard.duplicate-slug",
        d.file,
        at,
        `Le paramètre « ${p.slug} » est déclaré deux fois.`,
        "Chaque paramètre d'un tableau de bord a un « slug » distinct.",
      );
      return;
    }
    slugs.set(p.slug, { p, index });
    if (p.default !== undefined) {
      // `thisyear` / `lastyear`: a year counted from the data's cut-off (src/dashboards/periods.ts).
      const relativeYear = p.type === "number" && (p.default === "thisyear" || p.default === "lastyear");
      const expected = relativeYear ? null : defaultMismatch(dashboardDefaultKind(p), p.multiple, p.default);
      if (p.locked) {
        out.add(
          "lock.default",
          d.file,
          line(lines, `parameters.${index}.default`, at),
          `Le paramètre verrouillé « ${p.slug} » a une valeur par défaut : sa valeur vient toujours du périmètre de la personne.`,
          "Supprimez « default » de ce paramètre.",
        );
      } else if (expected) {
        out.add(
          "dashboard.default-invalid",
          d.file,
          line(lines, `parameters.${index}.default`, at),
          `La valeur par défaut de « ${p.slug} » doit être ${expected}.`,
          "Corrigez-la ou supprimez-la.",
        );
      }
    }
  });

  // Cards: questions, grid, overlaps, mappings.
  const fed = new Map<string, string>();
  const usedSlugs = new Set<string>();
  d.cards.forEach((card, i) => {
    const at = line(lines, `cards.${i}`);
    const question = questions.get(card.question);
    if (!question) {
      out.add(
        "dashboard.unknown-question",
        d.file,
        line(lines, `cards.${i}.question`, at),
        `La carte ${i + 1} affiche la question « ${card.question} », qui n'existe pas.`,
        "Indiquez la clé d'une question de sql/ (son chemin sans « .sql », ex. « iae/candidatures-par-mois »).",
      );
    }
    if (
      card.col < 0 ||
      card.row < 0 ||
      card.sizeX < 1 ||
      card.sizeY < 1 ||
      card.col + card.sizeX > GRID_COLUMNS
    ) {
      out.add(
        "dashboard.grid",
        d.file,
        at,
        `La carte ${i + 1} sort de la grille de ${GRID_COLUMNS} colonnes (col ${card.col}, size_x ${card.sizeX}, row ${card.row}, size_y ${card.sizeY}).`,
        `Il faut row ≥ 0, col ≥ 0, size_x ≥ 1, size_y ≥ 1 et col + size_x ≤ ${GRID_COLUMNS}.`,
      );
    }
    d.cards.slice(0, i).forEach((other, j) => {
      const overlap =
        card.col < other.col + other.sizeX &&
        other.col < card.col + card.sizeX &&
        card.row < other.row + other.sizeY &&
        other.row < card.row + card.sizeY;
      if (overlap) {
        out.add(
          "dashboard.overlap",
          d.file,
          at,
          `La carte ${i + 1} (« ${card.question} ») chevauche la carte ${j + 1} (« ${other.question} »).`,
          "Décalez-la (row, col) ou réduisez sa taille (size_x, size_y).",
        );
      }
    });
    for (const [slug, tag] of Object.entries(card.mappings)) {
      const mapAt = line(lines, `cards.${i}.mappings.${slug}`, at);
      const entry = slugs.get(slug);
      if (!entry) {
        out.add(
          "dashboard.mapping-unknown-parameter",
          d.file,
          mapAt,
          `La carte ${i + 1} relie « ${slug} », qui n'est pas un paramètre de ce tableau de bord.`,
          `Paramètres déclarés : ${[...slugs.keys()].join(", ") || "(aucun)"}.`,
        );
        continue;
      }
      usedSlugs.add(slug);
      if (!question) continue;
      const qp = question.parameters.find((p) => p.tag === tag);
      if (!qp) {
        out.add(
          "dashboard.mapping-unknown-tag",
          d.file,
          mapAt,
          `La carte ${i + 1} relie « ${slug} » au tag « ${tag} », que la question « ${question.key} » ne déclare pas.`,
          `Tags de cette question : ${question.parameters.map((p) => p.tag).join(", ") || "(aucun)"}.`,
        );
        continue;
      }
      const feedKey = `${i}:${tag}`;
      const previous = fed.get(feedKey);
      if (previous) {
        out.add(
          "dashboard.tag-fed-twice",
          d.file,
          mapAt,
          `Sur la carte ${i + 1}, le tag « ${tag} » reçoit déjà « ${previous} » ; « ${slug} » ne peut pas l'alimenter aussi.`,
          "Reliez chaque tag à un seul paramètre du tableau de bord.",
        );
      }
      fed.set(feedKey, slug);
      if (!typesMatch(entry.p, qp)) {
        out.add(
          "dashboard.type-mismatch",
          d.file,
          mapAt,
          `Le paramètre « ${slug} » (${entry.p.type}) ne peut pas alimenter « ${tag} » (${describeTag(qp)}) de la question « ${question.key} ».`,
          "Reliez-le à un tag du même type, ou changez le type du paramètre.",
        );
      }
      if (!entry.p.locked && entry.p.multiple && !qp.multiple) {
        out.add(
          "dashboard.multiple-mismatch",
          d.file,
          mapAt,
          `« ${slug} » accepte plusieurs valeurs mais « ${tag} » de la question « ${question.key} » n'en accepte qu'une.`,
          "Déclarez « multiple: true » sur le paramètre de la question (et son usage dans IN (…)), ou retirez-le du tableau de bord.",
        );
      }
    }
  });
  d.parameters.forEach((p, index) => {
    if (!p.locked && slugs.get(p.slug)?.index === index && !usedSlugs.has(p.slug)) {
      out.add(
        "dashboard.parameter-unused",
        d.file,
        line(lines, `parameters.${index}`),
        `Le paramètre « ${p.slug} » n'est relié à aucune carte : le filtre serait sans effet.`,
        "Reliez-le dans les « mappings » des cartes concernées, ou supprimez-le.",
      );
    }
  });

  validateLocks(d, questions, kinds, out);

  const locked = d.parameters.filter((p) => p.locked);
  if (locked.length > 0) {
    const bytes = worstCaseEmbedUrlBytes(d, options);
    const limit = options.maxUrlBytes ?? EMBED_URL_LIMIT_BYTES;
    if (bytes > limit) {
      out.add(
        "embed.url-too-long",
        d.file,
        line(lines, `parameters.${d.parameters.indexOf(locked[0]!)}`),
        `Pour le plus grand périmètre possible (national), l'adresse intégrée ferait ${bytes} octets, au-delà de la limite de ${limit} : Metabase refuserait d'afficher le tableau de bord.`,
        "Réduisez les paramètres verrouillés (par ex. les codes de département plutôt que codes et libellés), ou scindez le tableau de bord par audience.",
      );
    }
  }
}

export function validateCatalog(catalog: Catalog, options: ValidateOptions = {}): CatalogProblem[] {
  const out = new Problems();
  duplicates(catalog.questions, (q) => q.file, "duplicate.question-key", "question", out);
  duplicates(catalog.dashboards, (d) => d.file, "duplicate.dashboard-key", "tableau de bord", out);
  validateProfileKinds(catalog.profileKinds, out);
  validateCollections(catalog, out);
  const collections = new Set(catalog.collections.map((c) => c.key));
  const questions = new Map<string, Question>();
  for (const q of catalog.questions) if (!questions.has(q.key)) questions.set(q.key, q);
  const kinds = new Map<string, ProfileKind>(catalog.profileKinds.map((k) => [k.key, k]));
  for (const q of catalog.questions) validateQuestion(q, collections, out);
  for (const q of catalog.questions) out.list.push(...questionColumnProblems(q));
  for (const d of catalog.dashboards) validateDashboard(d, questions, collections, kinds, options, out);
  for (const d of catalog.dashboards) out.list.push(...comparisonProblems(d, questions));
  validateLockSources(catalog.dashboards, out);
  for (const d of catalog.dashboards) out.list.push(...dashboardFilterProblems(d, questions));
  for (const d of catalog.dashboards) out.list.push(...dashboardCardColumnProblems(d, questions));
  // A note follows every rule of the dashboard it behaves like (locks and filter lists included), and adds
  // its own. It is never embedded: no URL to size.
  const noteOptions = { ...options, maxUrlBytes: Number.POSITIVE_INFINITY };
  for (const n of catalog.notes) {
    const asDashboard = noteDashboard(n);
    validateDashboard(asDashboard, questions, new Set([NOTE_COLLECTION]), kinds, noteOptions, out);
    out.list.push(...dashboardFilterProblems(asDashboard, questions));
    out.list.push(...noteProblems(n, catalog));
  }
  return out.list.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
