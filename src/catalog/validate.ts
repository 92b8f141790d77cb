import { PROFILE_KINDS } from "../perimeter/placement.js";
import {
  dateStringToRange,
  parseQualifiedColumn,
  parseTemplate,
  TemplateError,
  type TemplateNode,
} from "../template/index.js";
import { EMBED_URL_LIMIT_BYTES, worstCaseEmbedUrlBytes, type EmbedSizeOptions } from "./embed-size.js";
import { MULTI_VALUE_ATTRIBUTES } from "./load.js";
import { NOTE_COLLECTION, noteDashboard } from "./note-dashboard.js";
import { RESERVED_PARAMETER_NAMES } from "./reserved-parameters.js";
import { dashboardCardColumnProblems, questionColumnProblems } from "./validate-columns.js";
import { comparisonProblems } from "./validate-comparison.js";
import { dashboardFilterProblems } from "./validate-filters.js";
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

interface TagUse {
  name: string;
  offset: number;
  optional: boolean;
  /** Text right before and after the tag, within the same clause. */
  before: string;
  after: string;
}

function collectUses(nodes: TemplateNode[], optional: boolean, out: TagUse[]): TagUse[] {
  nodes.forEach((node, i) => {
    if (node.type === "tag") {
      const prev = nodes[i - 1];
      const next = nodes[i + 1];
      out.push({
        name: node.name,
        offset: node.offset,
        optional,
        before: prev?.type === "text" ? prev.text : "",
        after: next?.type === "text" ? next.text : "",
      });
    } else if (node.type === "optional") {
      collectUses(node.children, true, out);
    }
  });
  return out;
}

export function tagUses(question: Question): TagUse[] {
  return question.template ? collectUses(question.template, false, []) : [];
}

/** `IN ({{x}})` or `ARRAY[{{x}}]`: where Metabase's `?, ?, ?` for a list is valid SQL. */
function isListPosition(use: TagUse): boolean {
  return (
    (/\bIN\s*\(\s*$/i.test(use.before) && /^\s*\)/.test(use.after)) ||
    (/\bARRAY\s*\[\s*$/i.test(use.before) && /^\s*\]/.test(use.after))
  );
}

function lineInSql(question: Question, offset: number): number {
  let line = question.sqlLine;
  for (let i = 0; i < offset && i < question.sql.length; i++) if (question.sql.charCodeAt(i) === 10) line++;
  return line;
}

function line(lines: Record<string, number>, path: string, fallback = 1): number {
  return lines[path] ?? fallback;
}

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

class Problems {
  readonly list: CatalogProblem[] = [];
  add(rule: string, file: string, line: number | undefined, message: string, hint: string) {
    this.list.push({ rule, file, ...(line === undefined ? {} : { line }), message, hint });
  }
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

function validateLocks(
  d: Dashboard,
  questions: Map<string, Question>,
  kinds: Map<string, ProfileKind>,
  out: Problems,
) {
  const lines = d.location.lines;
  d.parameters.forEach((p, index) => {
    const attribute = p.locked;
    if (!attribute) return;
    const at = line(lines, `parameters.${index}`);
    const lockedAt = line(lines, `parameters.${index}.locked`, at);
    if (d.public) {
      out.add(
        "lock.public",
        d.file,
        lockedAt,
        `Un tableau de bord public ne peut pas avoir de paramètre verrouillé (« ${p.slug} ») : il s'ouvre sans connexion, donc sans périmètre.`,
        "Retirez « public: true » et déclarez ses audiences, ou retirez le verrou.",
      );
    }
    if (
      (p.locked === "departements" ||
        p.locked === "departement_labels" ||
        p.locked === "region" ||
        p.locked === "bassins" ||
        p.locked === "epci") &&
      p.type !== "text"
    ) {
      out.add(
        "lock.attribute-type",
        d.file,
        lockedAt,
        `« ${p.slug} » est verrouillé sur « ${p.locked} », une valeur texte : son type doit être « text ».`,
        "Passez le paramètre en « type: text ».",
      );
    }
    for (const kindKey of d.audiences) {
      const kind = kinds.get(kindKey);
      if (kind && attribute === "region" && kind.scope !== "region") {
        // Every perimeter carries the code of the région it lies in; only a whole région may see it.
        out.add(
          "lock.region-scope",
          d.file,
          lockedAt,
          `« ${p.slug} » est verrouillé sur « region » mais le profil « ${kindKey} » de l'audience ne couvre pas une région entière (portée : ${kind.scope}) : il verrait toute sa région.`,
          `Retirez « ${kindKey} » de l'audience, ou verrouillez « ${p.slug} » sur « departements » ou « departement_labels ».`,
        );
        continue;
      }
      if (kind && !kind.provides.includes(attribute)) {
        out.add(
          "lock.audience-cannot-provide",
          d.file,
          lockedAt,
          `Le profil « ${kindKey} » est dans l'audience mais son périmètre ne fournit pas « ${p.locked} » (il fournit : ${kind.provides.join(", ") || "rien"}).`,
          `Retirez « ${kindKey} » de l'audience, ou verrouillez « ${p.slug} » sur un attribut que tous les profils de l'audience fournissent.`,
        );
      }
    }
    d.cards.forEach((card, i) => {
      const cardAt = line(lines, `cards.${i}`);
      const tag = card.mappings[p.slug];
      if (tag === undefined) {
        out.add(
          "lock.not-wired",
          d.file,
          cardAt,
          `La carte ${i + 1} (« ${card.question} ») n'est pas reliée au paramètre verrouillé « ${p.slug} » : elle montrerait les données de tous les territoires.`,
          `Ajoutez « ${p.slug}: <tag> » à ses « mappings », vers un tag obligatoire de la question.`,
        );
        return;
      }
      const question = questions.get(card.question);
      const qp = question?.parameters.find((x) => x.tag === tag);
      if (!question || !qp) return; // Reported as an unknown question or tag.
      const mapAt = line(lines, `cards.${i}.mappings.${p.slug}`, cardAt);
      if (!qp.required) {
        out.add(
          "lock.tag-not-required",
          question.file,
          line(question.location.lines, `parameters.${tag}`),
          `Le tag « ${tag} » reçoit le paramètre verrouillé « ${p.slug} » (${d.file}) mais n'est pas obligatoire : sans valeur, le filtre disparaîtrait.`,
          `Ajoutez « required: true » à « ${tag} ».`,
        );
      }
      if (qp.default !== undefined) {
        out.add(
          "lock.tag-default",
          question.file,
          line(
            question.location.lines,
            `parameters.${tag}.default`,
            line(question.location.lines, `parameters.${tag}`),
          ),
          `Le tag « ${tag} » reçoit le paramètre verrouillé « ${p.slug} » (${d.file}) mais a une valeur par défaut, qui s'appliquerait en l'absence de périmètre.`,
          `Supprimez la valeur par défaut de « ${tag} ».`,
        );
      }
      // What the sync's read-back refuses (lock-contract.ts), refused here first: an editable filter on
      // the column a lock filters lets the viewer widen what the lock narrows.
      if (qp.type === "field filter" && qp.column) {
        for (const [otherSlug, otherTag] of Object.entries(card.mappings)) {
          if (otherSlug === p.slug || d.parameters.find((x) => x.slug === otherSlug)?.locked) continue;
          const other = question.parameters.find((x) => x.tag === otherTag);
          if (other?.type !== "field filter" || other.column !== qp.column) continue;
          out.add(
            "lock.editable-same-column",
            d.file,
            line(lines, `cards.${i}.mappings.${otherSlug}`, cardAt),
            `La carte ${i + 1} relie le filtre modifiable « ${otherSlug} » à « ${otherTag} », sur la colonne ${qp.column} que le verrou « ${p.slug} » filtre déjà : la personne pourrait élargir ce que le verrou restreint.`,
            `Retirez « ${otherSlug} » de cette carte, ou faites-le porter sur une autre colonne.`,
          );
        }
      }
      const uses = tagUses(question).filter((u) => u.name === tag);
      if (question.template && uses.length === 0) {
        out.add(
          "lock.tag-unused",
          d.file,
          mapAt,
          `Le paramètre verrouillé « ${p.slug} » alimente « ${tag} », que le SQL de « ${question.key} » n'utilise pas : rien ne serait filtré.`,
          `Utilisez {{${tag}}} dans le WHERE de ${question.file}.`,
        );
      }
      for (const use of uses.filter((u) => u.optional)) {
        out.add(
          "lock.tag-optional",
          question.file,
          lineInSql(question, use.offset),
          `{{${tag}}} reçoit le paramètre verrouillé « ${p.slug} » (${d.file}) mais se trouve dans une clause optionnelle [[ … ]], qui disparaît sans valeur.`,
          `Sortez {{${tag}}} de la clause [[ … ]] : un filtre verrouillé s'applique toujours.`,
        );
      }
      if (MULTI_VALUE_ATTRIBUTES.has(attribute) && qp.type !== "field filter") {
        for (const use of uses.filter((u) => !isListPosition(u))) {
          out.add(
            "lock.multi-value-equals",
            question.file,
            lineInSql(question, use.offset),
            `{{${tag}}} reçoit « ${p.locked} », une liste (verrou « ${p.slug} » de ${d.file}) : Metabase l'écrit « $1, $2, … », invalide ici.`,
            `Écrivez « colonne IN ({{${tag}}}) », ou déclarez « ${tag} » en filtre de champ (« type: field filter » avec « column: schema.table.colonne »).`,
          );
        }
      }
    });
  });
}

/**
 * A question tag locked by several dashboards takes the value of each (question-access.ts): locked from
 * two attributes, one profile would get two values and the export could not choose. Refused here, before
 * anyone opens either dashboard.
 */
function validateLockSources(dashboards: Dashboard[], out: Problems) {
  const sources = new Map<string, Array<{ d: Dashboard; card: number; slug: string; attribute: string }>>();
  for (const d of dashboards) {
    d.cards.forEach((card, i) => {
      for (const [slug, tag] of Object.entries(card.mappings)) {
        const attribute = d.parameters.find((p) => p.slug === slug)?.locked;
        if (!attribute) continue;
        const key = `${card.question}\u0000${tag}`;
        sources.set(key, [...(sources.get(key) ?? []), { d, card: i, slug, attribute }]);
      }
    });
  }
  for (const [key, uses] of sources) {
    const [question, tag] = key.split("\u0000") as [string, string];
    const first = uses[0]!;
    const reported = new Set<string>();
    for (const use of uses.slice(1)) {
      if (use.attribute === first.attribute || reported.has(use.d.file)) continue;
      reported.add(use.d.file);
      out.add(
        "lock.conflicting-attributes",
        use.d.file,
        line(
          use.d.location.lines,
          `cards.${use.card}.mappings.${use.slug}`,
          line(use.d.location.lines, `cards.${use.card}`),
        ),
        `Le tag « ${tag} » de la question « ${question} » est verrouillé sur « ${use.attribute} » ici, mais sur « ${first.attribute} » par ${first.d.file} : une même personne recevrait deux valeurs verrouillées pour ce tag.`,
        `Verrouillez « ${tag} » sur le même attribut dans les deux tableaux de bord, ou utilisez un autre tag de la question.`,
      );
    }
  }
}

/**
 * Scopes whose perimeter is a list of départements, from which the bassins and EPCI are worked out (an
 * EPCI lock needs one département: multi-département viewers choose one first, docs/security.md).
 */
const TERRITORIAL_SCOPES: ReadonlySet<string> = new Set(["departement", "region", "national", "safir"]);

function validateProfileKinds(kinds: ProfileKind[], out: Problems) {
  const known = new Set<string>(PROFILE_KINDS);
  for (const kind of kinds) {
    if (kind.provides.includes("region") && kind.scope !== "region") {
      out.add(
        "profile-kind.region-scope",
        kind.location.file,
        line(kind.location.lines, `profile_kinds.${kind.key}.provides`, kind.location.line),
        `Le type de profil « ${kind.key} » fournit « region » sans couvrir une région entière (portée : ${kind.scope}) : un verrou sur la région lui montrerait toute sa région.`,
        "Retirez « region » de « provides » : seuls les profils de portée « region » la fournissent.",
      );
    }
    const finer = kind.provides.filter((a) => a === "bassins" || a === "epci");
    if (finer.length > 0 && !TERRITORIAL_SCOPES.has(kind.scope)) {
      out.add(
        "profile-kind.territory-scope",
        kind.location.file,
        line(kind.location.lines, `profile_kinds.${kind.key}.provides`, kind.location.line),
        `Le type de profil « ${kind.key} » fournit ${finer.map((a) => `« ${a} »`).join(" et ")} mais son périmètre n'est pas un territoire (portée : ${kind.scope}) : ses bassins et EPCI se déduisent de ses départements.`,
        `Retirez-les de « provides » : seules les portées ${[...TERRITORIAL_SCOPES].join(", ")} les fournissent.`,
      );
    }
    if (!known.has(kind.key)) {
      out.add(
        "profile-kind.unknown",
        kind.location.file,
        kind.location.line,
        `Type de profil « ${kind.key} » inconnu de la passerelle, qui ne saurait y placer personne.`,
        `Types possibles : ${PROFILE_KINDS.join(", ")}.`,
      );
    }
  }
  const present = new Set(kinds.map((k) => k.key));
  const file = kinds[0]?.location.file;
  for (const key of PROFILE_KINDS) {
    if (file && !present.has(key)) {
      out.add(
        "profile-kind.missing",
        file,
        1,
        `Le type de profil « ${key} » n'est pas décrit.`,
        "Ajoutez-le sous « profile_kinds: » avec son label, sa règle de portée et ce qu'il fournit.",
      );
    }
  }
}

function validateCollections(catalog: Catalog, out: Problems) {
  const byKey = new Map(catalog.collections.map((c) => [c.key, c]));
  for (const c of catalog.collections) {
    if (c.parent === undefined) continue;
    if (!byKey.has(c.parent)) {
      out.add(
        "collection.unknown-parent",
        c.location.file,
        line(c.location.lines, `collections.${c.key}.parent`, c.location.line),
        `La collection « ${c.key} » a pour parent « ${c.parent} », qui n'existe pas.`,
        "Indiquez la clé d'une autre collection, ou retirez « parent ».",
      );
      continue;
    }
    const seen = new Set([c.key]);
    for (let p = byKey.get(c.parent); p; p = p.parent ? byKey.get(p.parent) : undefined) {
      if (seen.has(p.key)) {
        out.add(
          "collection.cycle",
          c.location.file,
          c.location.line,
          `La collection « ${c.key} » est son propre ancêtre.`,
          "Corrigez les « parent » pour former un arbre.",
        );
        break;
      }
      seen.add(p.key);
    }
  }
}

function duplicates<T extends { key: string }>(
  items: T[],
  fileOf: (t: T) => string,
  rule: string,
  what: string,
  out: Problems,
) {
  const first = new Map<string, T>();
  for (const item of items) {
    const previous = first.get(item.key);
    if (previous) {
      out.add(
        rule,
        fileOf(item),
        1,
        `Clé « ${item.key} » déjà utilisée par ${fileOf(previous)}.`,
        `Chaque ${what} a une clé unique : renommez le fichier ou changez « key: ».`,
      );
    } else {
      first.set(item.key, item);
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
  // A note follows every rule of the dashboard it behaves like (locks included), and adds its own. It is
  // never embedded: no URL to size.
  const noteOptions = { ...options, maxUrlBytes: Number.POSITIVE_INFINITY };
  for (const n of catalog.notes) {
    validateDashboard(noteDashboard(n), questions, new Set([NOTE_COLLECTION]), kinds, noteOptions, out);
    out.list.push(...noteProblems(n, catalog));
  }
  return out.list.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
