import {
  RESERVED_PARAMETER_NAMES,
  type Catalog,
  type Question,
  type QuestionParameter,
} from "../catalog/index.js";
import { BadRequestError } from "../errors.js";
import { dateStringToRange, parseDay, type DayRange } from "../template/index.js";
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

/**
 * What a value may be before it reaches the warehouse (issue 15 §3): whatever a person or a script types,
 * the answer is a 400 naming the parameter, never a Postgres error turned into a 500. Numbers in plain
 * decimal notation (no exponent, hexadecimal, spaces or `Infinity`) of at most 15 digits, which a double
 * holds exactly; days and date ranges within years 1 to 9999 (Postgres has no year 0, and a relative
 * period of a million years must not reach it); texts of at most 1,000 characters without control
 * characters (a NUL byte is refused by Postgres' UTF-8 text).
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;
const MAX_DIGITS = 15;
const MAX_TEXT_LENGTH = 1000;
const CONTROL = /[\u0000-\u001F\u007F]/;
const FIRST_YEAR = 1;
const LAST_YEAR = 9999;
/** Relative periods are checked against a fixed day; the render uses today's, a century away at most. */
const CHECK_DAY = { year: 2000, month: 1, day: 1 };

function withinYears(range: DayRange): boolean {
  return [range.start, range.end].every(
    (day) =>
      day === undefined || (Number.isInteger(day.year) && day.year >= FIRST_YEAR && day.year <= LAST_YEAR),
  );
}

function parseOne(parameter: QuestionParameter, raw: string): string | number {
  const kind = parameter.type === "field filter" ? (parameter.columnType ?? "text") : parameter.type;
  const refuse = (message: string) => new BadRequestError(message, { parameter: parameter.tag });
  if (kind === "number") {
    if (!DECIMAL.test(raw)) throw refuse(`Le paramètre « ${parameter.tag} » attend un nombre.`);
    if (raw.replace(/\D/g, "").length > MAX_DIGITS) {
      throw refuse(`Le paramètre « ${parameter.tag} » attend un nombre d'au plus ${MAX_DIGITS} chiffres.`);
    }
    return Number(raw);
  }
  if (parameter.type === "field filter" && (kind === "date" || kind === "datetime")) {
    // A date field filter takes Metabase's date strings (a day, a range, `past12months`…), as the
    // dashboard's filter sends them; the renderer refuses what it cannot render, so ask it first.
    let range: DayRange;
    try {
      range = dateStringToRange(raw, CHECK_DAY);
    } catch {
      throw refuse(
        `Le paramètre « ${parameter.tag} » attend une date (AAAA-MM-JJ), une période (AAAA-MM-JJ~AAAA-MM-JJ) ou une période relative (past12months, thisyear…).`,
      );
    }
    if (!withinYears(range)) {
      throw refuse(
        `Le paramètre « ${parameter.tag} » sort des dates prises en charge (de l'an ${FIRST_YEAR} à l'an ${LAST_YEAR}).`,
      );
    }
    return raw;
  }
  if (kind === "date" || kind === "datetime") {
    const day = parseDay(raw);
    if (!day || !withinYears({ start: day })) {
      throw refuse(`Le paramètre « ${parameter.tag} » attend une date au format AAAA-MM-JJ.`);
    }
    return raw;
  }
  if (CONTROL.test(raw)) {
    throw refuse(
      `Le paramètre « ${parameter.tag} » contient un caractère de contrôle, qui n'est pas accepté.`,
    );
  }
  if (raw.length > MAX_TEXT_LENGTH) {
    throw refuse(`Le paramètre « ${parameter.tag} » est trop long (au plus ${MAX_TEXT_LENGTH} caractères).`);
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
  reserved: ReadonlySet<string> = RESERVED_PARAMETER_NAMES,
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
