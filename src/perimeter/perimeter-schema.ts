import { z } from "zod";
import { PROFILE_KINDS } from "./placement.js";

/** The perimeter as stored (grants, sessions) and received (staff forms, CLI): parsed, never cast. */
export const PerimeterSchema = z
  .object({
    departements: z.array(z.string().regex(/^(\d{2}|2[AB]|97\d)$/)).optional(),
    region: z
      .string()
      .regex(/^\d{2}$/)
      .optional(),
    structures: z.array(z.number().int().positive()).optional(),
    reseau: z.number().int().positive().optional(),
    organisation: z.number().int().positive().optional(),
  })
  .strict();

export const ProfileKindSchema = z.enum(PROFILE_KINDS);
