import type { z } from "zod";
import type { FormError } from "./http/render.js";

/** A form's zod issues as its page shows them again: each under the control it is about. */
export function formErrorsOf(issues: readonly z.core.$ZodIssue[]): FormError[] {
  return issues.map((i) => ({ field: String(i.path[0] ?? ""), message: i.message }));
}
