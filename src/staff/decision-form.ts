import { z } from "zod";
import { formErrorsOf } from "../form-errors.js";
import type { FormError } from "../http/render.js";
import { parseValidUntil } from "../perimeter/grant-input.js";
import type { Perimeter } from "../perimeter/lock-values.js";
import { PerimeterInputError, perimeterFromInput } from "../perimeter/perimeter-input.js";
import { PROFILE_KINDS } from "../perimeter/placement.js";

/** The grant form and a request's approval: who, which profile, which perimeter, until when. */

export const DecisionForm = z.object({
  kind: z.enum(PROFILE_KINDS, { error: "Choisissez un profil." }),
  organisation_label: z.string().trim().min(2, "Indiquez le nom de l'organisation.").max(200),
  departements: z.string().optional(),
  region: z.string().optional(),
  national: z.string().optional(),
  structures: z.string().optional(),
  reseau: z.string().optional(),
  organisation: z.string().optional(),
  valid_until: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (!value) return;
      const read = parseValidUntil(value, new Date());
      if ("problem" in read) ctx.addIssue({ code: "custom", message: `Date de fin : ${read.problem}` });
    }),
  note: z.string().max(500).optional(),
});

export const GrantForm = DecisionForm.extend({
  email: z.email("Adresse électronique invalide.").optional().or(z.literal("")),
  sub: z.string().optional(),
});

export interface Decision {
  kind: z.infer<typeof DecisionForm>["kind"];
  organisationLabel: string;
  perimeter: Perimeter;
  validUntil: Date | undefined;
  note: string | undefined;
}

/** The fields of the grant and approval forms, top to bottom: the page lists problems in this order. */
const FORM_ORDER = [
  "email",
  "sub",
  "kind",
  "organisation_label",
  "departements",
  "region",
  "national",
  "structures",
  "reseau",
  "organisation",
  "valid_until",
];

export const inFormOrder = (errors: FormError[]): FormError[] => {
  const rank = (e: FormError) => {
    const index = FORM_ORDER.indexOf(e.field ?? "");
    return index === -1 ? FORM_ORDER.length : index;
  };
  return errors.toSorted((a, b) => rank(a) - rank(b));
};

function perimeterOf(form: {
  departements?: string | undefined;
  region?: string | undefined;
  national?: string | undefined;
  structures?: string | undefined;
  reseau?: string | undefined;
  organisation?: string | undefined;
}): Perimeter {
  return perimeterFromInput({
    departements: form.departements,
    region: form.region || undefined,
    national: form.national === "oui",
    structures: form.structures,
    reseau: form.reseau,
    organisation: form.organisation,
  });
}

function decisionOf(form: z.infer<typeof DecisionForm>): Decision {
  const until = form.valid_until ? parseValidUntil(form.valid_until, new Date()) : undefined;
  return {
    kind: form.kind,
    organisationLabel: form.organisation_label,
    perimeter: perimeterOf(form),
    validUntil: until && "date" in until ? until.date : undefined,
    note: form.note || undefined,
  };
}

/**
 * Reads a decision form (a grant, or a request's approval): the form and the decision, or every problem
 * found, each tied to its field, for the page to show the form again.
 */
export function readDecision<T extends z.infer<typeof DecisionForm>>(
  schema: z.ZodType<T>,
  body: unknown,
): { form: T; decision: Decision; errors?: undefined } | { errors: FormError[] } {
  const parsed = schema.safeParse(body);
  const errors = parsed.success ? [] : formErrorsOf(parsed.error.issues);
  // The perimeter is checked even when another field is wrong, so that every problem shows at once.
  const perimeterFields = DecisionForm.pick({
    departements: true,
    region: true,
    national: true,
    structures: true,
    reseau: true,
    organisation: true,
  }).safeParse(body);
  if (perimeterFields.success) {
    try {
      perimeterOf(perimeterFields.data);
    } catch (error) {
      if (!(error instanceof PerimeterInputError)) throw error;
      errors.push({ field: error.field, message: error.publicMessage });
    }
  }
  if (!parsed.success || errors.length > 0) return { errors: inFormOrder(errors) };
  return { form: parsed.data, decision: decisionOf(parsed.data) };
}

/** What a form sent, as strings only, to fill the form again. */
export function valuesOf(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}
