import { BadRequestError } from "../errors.js";
import { parseRecordId } from "../perimeter/grant-input.js";

/** The `:id` of a staff route, strictly: anything but a record number is a 400, never a 500 or id 1. */
export function recordIdOf(value: unknown, what: string): number {
  const id = parseRecordId(value);
  if (id === null)
    throw new BadRequestError(
      `« ${String(value).slice(0, 40)} » n'est pas un numéro de ${what} : seuls des chiffres sont acceptés.`,
    );
  return id;
}
