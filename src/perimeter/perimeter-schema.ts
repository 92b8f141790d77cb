import { z } from "zod";
import { findDepartement, findRegion } from "../territories/territories.js";
import { PROFILE_KINDS } from "./placement.js";

/**
 * The perimeter as stored (grants, sessions) and received (staff forms, CLI): parsed, never cast.
 * Codes must exist, and a région comes with départements, all of them inside it: the région names where
 * they lie and never grants more. A région lock must never reach beyond the départements granted, so
 * lockValue signs it only when they are the whole région (a DDETS carries its région's code, and gets
 * a 403 from a dashboard locked on `region`).
 */
export const PerimeterSchema = z
  .object({
    departements: z.array(z.string()).optional(),
    region: z.string().optional(),
    structures: z.array(z.number().int().positive()).optional(),
    reseau: z.number().int().positive().optional(),
    organisation: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((perimeter, ctx) => {
    for (const code of perimeter.departements ?? []) {
      if (!findDepartement(code)) {
        ctx.addIssue({ code: "custom", path: ["departements"], message: `département inconnu : ${code}` });
      }
    }
    if (perimeter.region !== undefined) {
      const region = findRegion(perimeter.region);
      if (!region) {
        ctx.addIssue({ code: "custom", path: ["region"], message: `région inconnue : ${perimeter.region}` });
      } else if ((perimeter.departements ?? []).length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["region"],
          message: `la région ${region.nom} est donnée sans ses départements`,
        });
      } else {
        const outside = (perimeter.departements ?? []).filter((d) => !region.departements.includes(d));
        if (outside.length > 0) {
          ctx.addIssue({
            code: "custom",
            path: ["region"],
            message: `départements hors de la région ${region.nom} : ${outside.join(", ")}`,
          });
        }
      }
    }
  });

export const ProfileKindSchema = z.enum(PROFILE_KINDS);
