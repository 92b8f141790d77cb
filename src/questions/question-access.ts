import type { Catalog, Question, QuestionParameter } from "../catalog/index.js";
import { BadRequestError } from "../errors.js";
import { dateStringToRange } from "../template/index.js";
import { dashboardAccess, type AccessProfile } from "../perimeter/dashboard-access.js";
import type { LockValue } from "../perimeter/lock-values.js";

/**
 * Which questions a profile may run on their own (data exports, the accessible tables), and under
 * which locks. A question is visible through the dashboards that show it and that the profile may
 * open; a tag locked by ANY of those dashboards stays locked, with the perimeter's value — the most
 * restrictive reading, so no dashboard can be used to lift another one's lock.
 */

export interface QuestionGrant {
  question: Question;
  /** Question tag → locked value (from the perimeter, never from the request). */
  locks: Record<string, LockValue>;
  /** Keys of the dashboards through which the profile sees this question. */
  dashboards: string[];
}

export class ConflictingLocksError extends Error {
  constructor(question: string, tag: string) {
    super(`question ${question}: tag ${tag} is locked to different values by two dashboards`);
  }
}

function sameValue(a: LockValue, b: LockValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function questionGrant(
  catalog: Pick<Catalog, "questions" | "dashboards">,
  profile: AccessProfile | null,
  question: Question,
): QuestionGrant | null {
  const locks: Record<string, LockValue> = {};
  const dashboards: string[] = [];
  for (const dashboard of catalog.dashboards) {
    const cards = dashboard.cards.filter((card) => card.question === question.key);
    if (cards.length === 0) continue;
    const access = dashboardAccess(profile, dashboard);
    if (!access.allowed) continue;
    dashboards.push(dashboard.key);
    for (const card of cards) {
      for (const [slug, tag] of Object.entries(card.mappings)) {
        const value = access.locks[slug];
        if (value === undefined) continue;
        if (locks[tag] !== undefined && !sameValue(locks[tag], value)) {
          throw new ConflictingLocksError(question.key, tag);
        }
        locks[tag] = value;
      }
    }
  }
  return dashboards.length > 0 ? { question, locks, dashboards } : null;
}

/** Every question the profile may see, with its locks. */
export function visibleQuestions(
  catalog: Pick<Catalog, "questions" | "dashboards">,
  profile: AccessProfile | null,
): QuestionGrant[] {
  return catalog.questions.flatMap((question) => {
    const grant = questionGrant(catalog, profile, question);
    return grant ? [grant] : [];
  });
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseOne(parameter: QuestionParameter, raw: string): string | number {
  const kind = parameter.type === "field filter" ? (parameter.columnType ?? "text") : parameter.type;
  if (kind === "number") {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n)) {
      throw new BadRequestError(`Le paramètre « ${parameter.tag} » attend un nombre.`, {
        parameter: parameter.tag,
      });
    }
    return n;
  }
  if (parameter.type === "field filter" && (kind === "date" || kind === "datetime")) {
    // A date field filter takes Metabase's date strings (a day, a range, `past12months`…), as the
    // dashboard's filter sends them; the renderer refuses what it cannot render, so ask it first.
    try {
      dateStringToRange(raw, { year: 2000, month: 1, day: 1 });
    } catch {
      throw new BadRequestError(
        `Le paramètre « ${parameter.tag} » attend une date (AAAA-MM-JJ), une période (AAAA-MM-JJ~AAAA-MM-JJ) ou une période relative (past12months, thisyear…).`,
        { parameter: parameter.tag },
      );
    }
    return raw;
  }
  if (kind === "date" || kind === "datetime") {
    if (!DATE.test(raw) || Number.isNaN(Date.parse(raw))) {
      throw new BadRequestError(`Le paramètre « ${parameter.tag} » attend une date au format AAAA-MM-JJ.`, {
        parameter: parameter.tag,
      });
    }
    return raw;
  }
  return raw;
}

/**
 * Parses the editable parameters of a request (query string: `?tag=value`, repeated for several
 * values) against the question's declared types. A locked tag, or one the question does not declare,
 * is refused: locked values come only from the perimeter.
 */
export function parseEditableParameters(
  grant: QuestionGrant,
  query: Record<string, unknown>,
  reserved: ReadonlySet<string> = new Set(["format"]),
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (reserved.has(name)) continue;
    if (grant.locks[name] !== undefined) {
      throw new BadRequestError(
        `Le paramètre « ${name} » est verrouillé sur votre périmètre : il ne peut pas être choisi dans la requête.`,
        { parameter: name },
      );
    }
    const parameter = grant.question.parameters.find((p) => p.tag === name);
    if (!parameter) {
      throw new BadRequestError(`Le paramètre « ${name} » n'existe pas pour cette question.`, {
        parameter: name,
      });
    }
    const list = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === "string" ? v : ""));
    if (list.length > 1 && !parameter.multiple) {
      throw new BadRequestError(`Le paramètre « ${name} » n'accepte qu'une valeur.`, { parameter: name });
    }
    const parsed = list.map((v) => parseOne(parameter, v));
    values[name] = parameter.multiple ? parsed : parsed[0];
  }
  return values;
}
