import express, { Router, type Request, type Response } from "express";
import { z } from "zod";
import { writeAudit } from "../audit/audit-log.js";
import { getSessionUser, requireSessionUser, requireUser, saveSession } from "../auth/session.js";
import { DEMO_EMPLOYER, DEMO_INSTITUTIONS, DEMO_ORGANISATIONS } from "../demo/accounts.js";
import { BadRequestError } from "../errors.js";
import { renderPage, type FormError } from "../http/render.js";
import type { Database } from "../storage/database.js";
import { ALL_DEPARTEMENT_CODES, DEPARTEMENTS, REGIONS, findRegion } from "../territories/territories.js";
import {
  AccessRequestForm,
  approveAccessRequest,
  createAccessRequest,
  listAccessRequests,
  pendingRequestOf,
  refuseAccessRequest,
} from "./access-requests.js";
import { createGrant, listGrants, revokeGrant } from "./grants.js";
import { describePerimeter, type Perimeter } from "./lock-values.js";
import { PerimeterInputError, perimeterFromInput } from "./perimeter-input.js";
import {
  grantState,
  PROFILE_KINDS,
  PROFILE_LABELS,
  REFUSAL_MESSAGES,
  type ProfileKind,
} from "./placement.js";
import {
  choosePlacement,
  currentProfile,
  ownProfile,
  refusalOf,
  requireStaff,
  startPreview,
  stopPreview,
} from "./session-profile.js";

/** What staff can preview the product as (the service's "showroom"), built on the demo organisations. */
export const SHOWROOM: ReadonlyArray<{ id: string; kind: ProfileKind; label: string; perimeter: Perimeter }> =
  [
    {
      id: "ddets-93",
      kind: "ddets",
      label: "DDETS — 93 - Seine-Saint-Denis",
      perimeter: { departements: ["93"], region: "11" },
    },
    {
      id: "dreets-11",
      kind: "dreets",
      label: "DREETS — Île-de-France",
      perimeter: { departements: [...(findRegion("11")?.departements ?? [])], region: "11" },
    },
    {
      id: "dgefp",
      kind: "dgefp",
      label: "DGEFP — France entière",
      perimeter: { departements: [...ALL_DEPARTEMENT_CODES] },
    },
    {
      id: "cd-33",
      kind: "conseil_departemental",
      label: "Conseil départemental — 33 - Gironde",
      perimeter: { departements: ["33"], region: "75", organisation: DEMO_ORGANISATIONS.cd33.id },
    },
    {
      id: "ft-69",
      kind: "france_travail",
      label: "France Travail — agence du 69",
      perimeter: { departements: ["69"], region: "84", organisation: DEMO_ORGANISATIONS.ft69.id },
    },
    {
      id: "reseau",
      kind: "reseau_iae",
      label: `Réseau IAE — ${DEMO_INSTITUTIONS.reseau.nom}`,
      perimeter: { reseau: DEMO_INSTITUTIONS.reseau.id, structures: [...DEMO_INSTITUTIONS.reseau.members] },
    },
    {
      id: "employeur",
      kind: "employeur_siae",
      label: `Employeur SIAE — ${DEMO_EMPLOYER.nom}`,
      perimeter: { structures: DEMO_EMPLOYER.structures.map((s) => s.id) },
    },
  ];

const DecisionForm = z.object({
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
    .refine((v) => !v || /^\d{4}-\d{2}-\d{2}$/.test(v), "Date de fin au format AAAA-MM-JJ."),
  note: z.string().max(500).optional(),
});

const GrantForm = DecisionForm.extend({
  email: z.email("Adresse électronique invalide.").optional().or(z.literal("")),
  sub: z.string().optional(),
});

type Decision = ReturnType<typeof decisionOf>;

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
const inFormOrder = (errors: FormError[]): FormError[] => {
  const rank = (e: FormError) => {
    const index = FORM_ORDER.indexOf(e.field ?? "");
    return index === -1 ? FORM_ORDER.length : index;
  };
  return errors.toSorted((a, b) => rank(a) - rank(b));
};

function formErrorsOf(issues: readonly z.core.$ZodIssue[]): FormError[] {
  return issues.map((i) => ({ field: String(i.path[0] ?? ""), message: i.message }));
}

/**
 * Reads a decision form (a grant, or a request's approval): the form and the decision, or every problem
 * found, each tied to its field, for the page to show the form again.
 */
function readDecision<T extends z.infer<typeof DecisionForm>>(
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

function decisionOf(form: z.infer<typeof DecisionForm>) {
  return {
    kind: form.kind,
    organisationLabel: form.organisation_label,
    perimeter: perimeterOf(form),
    validUntil: form.valid_until ? new Date(`${form.valid_until}T23:59:59Z`) : undefined,
    note: form.note || undefined,
  };
}

/** What a form sent, as strings only, to fill the form again. */
function valuesOf(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

const requestId = (req: Request) => String(req.id ?? "");

/**
 * Pages of issue 6: the request-access page for people the gateway could not place, the organisation
 * switcher, and the staff pages (access requests, grants, preview as another profile).
 */
export function perimeterRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "20kb" });

  router.get("/demande-acces", requireUser, async (req, res) => {
    if (currentProfile(req)) return res.redirect(303, "/tableaux-de-bord");
    const user = requireSessionUser(req);
    const refusal = refusalOf(req);
    await renderPage(req, res, "perimeter/request-access", {
      title: "Demander un accès",
      user: res.locals.user,
      reason: refusal ? REFUSAL_MESSAGES[refusal] : null,
      pending: await pendingRequestOf(db, user.sub),
      sent: req.query.envoyee === "1",
      values: { organisation: user.organizationLabel ?? "", role: "", reason: "" },
      errors: [],
    });
  });

  router.post("/demande-acces", requireUser, form, async (req, res) => {
    const user = requireSessionUser(req);
    const parsed = AccessRequestForm.safeParse(req.body);
    if (!parsed.success) {
      await renderPage(
        req,
        res,
        "perimeter/request-access",
        {
          title: "Demander un accès",
          reason: null,
          pending: undefined,
          sent: false,
          values: req.body ?? {},
          errors: parsed.error.issues.map((i) => ({ field: String(i.path[0]), message: i.message })),
        },
        400,
      );
      return;
    }
    await createAccessRequest(
      db,
      {
        sub: user.sub,
        email: user.email,
        givenName: user.givenName,
        usualName: user.usualName,
        siret: user.siret ?? undefined,
        organizationLabel: user.organizationLabel ?? undefined,
      },
      parsed.data,
      requestId(req),
    );
    res.redirect(303, "/demande-acces?envoyee=1");
  });

  router.post("/organisation", requireUser, form, async (req, res) => {
    const key = typeof req.body?.organisation === "string" ? req.body.organisation : "";
    if (!choosePlacement(req, key))
      throw new BadRequestError("Cette organisation ne fait pas partie des vôtres.");
    await saveSession(req);
    res.redirect(303, "/tableaux-de-bord");
  });

  const admin = Router();
  admin.use(requireStaff);

  const requestsPage = async (
    req: Request,
    res: Response,
    failed: { id: number; values: Record<string, string>; errors: FormError[] } | null = null,
  ) => {
    await renderPage(
      req,
      res,
      "perimeter/admin-requests",
      {
        title: "Demandes d'accès",
        requests: await listAccessRequests(db, "pending"),
        decided: (await listAccessRequests(db, "all"))
          .filter((r) => r.status !== "pending")
          .slice(-20)
          .reverse(),
        kinds: PROFILE_KINDS.map((k) => ({ key: k, label: PROFILE_LABELS[k] })),
        regions: REGIONS,
        flash: typeof req.query.fait === "string" ? req.query.fait : null,
        failed,
        errors: failed?.errors ?? [],
      },
      failed ? 400 : 200,
    );
  };

  admin.get("/demandes", async (req, res) => {
    await requestsPage(req, res);
  });

  admin.post("/demandes/:id/accepter", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const id = Number(req.params.id);
    const read = readDecision(DecisionForm, req.body);
    if (read.errors) {
      const pending = await listAccessRequests(db, "pending");
      // A request already decided (or unknown) has no form left to show the problems in.
      if (!pending.some((r) => r.id === id))
        throw new BadRequestError(read.errors.map((e) => e.message).join(" "));
      await requestsPage(req, res, { id, values: valuesOf(req.body), errors: read.errors });
      return;
    }
    await approveAccessRequest(db, id, { ...read.decision, decidedBy: staff.email }, requestId(req));
    res.redirect(303, "/admin/demandes?fait=acceptee");
  });

  admin.post("/demandes/:id/refuser", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const note = typeof req.body?.note === "string" ? req.body.note.slice(0, 500) : undefined;
    await refuseAccessRequest(db, Number(req.params.id), { decidedBy: staff.email, note }, requestId(req));
    res.redirect(303, "/admin/demandes?fait=refusee");
  });

  const grantsPage = async (
    req: Request,
    res: Response,
    returned: { values: Record<string, string>; errors: FormError[] } = { values: {}, errors: [] },
  ) => {
    const grants = await listGrants(db, { includeRevoked: true });
    await renderPage(
      req,
      res,
      "perimeter/admin-grants",
      {
        title: "Accès accordés",
        grants: grants.map((g) => ({
          ...g,
          kindLabel: PROFILE_LABELS[g.kind],
          scope: describePerimeter(g.perimeter, ALL_DEPARTEMENT_CODES.length),
          state: grantState(g, new Date()),
        })),
        kinds: PROFILE_KINDS.map((k) => ({ key: k, label: PROFILE_LABELS[k] })),
        regions: REGIONS,
        flash: typeof req.query.fait === "string" ? req.query.fait : null,
        values: returned.values,
        errors: returned.errors,
      },
      returned.errors.length > 0 ? 400 : 200,
    );
  };

  admin.get("/acces", async (req, res) => {
    await grantsPage(req, res);
  });

  admin.post("/acces", form, async (req, res) => {
    const staff = requireSessionUser(req);
    const read = readDecision(GrantForm, req.body);
    const errors = read.errors ?? [];
    const subject = GrantForm.pick({ email: true, sub: true }).safeParse(req.body);
    if (subject.success && !subject.data.email && !subject.data.sub) {
      errors.unshift({
        field: "email",
        message: "Indiquez l'adresse électronique ou l'identifiant ProConnect de la personne.",
      });
    }
    if (read.errors || errors.length > 0) {
      await grantsPage(req, res, { values: valuesOf(req.body), errors: inFormOrder(errors) });
      return;
    }
    await createGrant(
      db,
      {
        subject: { email: read.form.email || undefined, sub: read.form.sub || undefined },
        ...read.decision,
        grantedBy: staff.email,
      },
      { requestId: requestId(req) },
    );
    res.redirect(303, "/admin/acces?fait=cree");
  });

  admin.post("/acces/:id/revoquer", async (req, res) => {
    const staff = requireSessionUser(req);
    await revokeGrant(db, Number(req.params.id), staff.email, { requestId: requestId(req) });
    res.redirect(303, "/admin/acces?fait=revoque");
  });

  admin.get("/apercu", async (req, res) => {
    await renderPage(req, res, "perimeter/admin-preview", {
      title: "Aperçu en tant que…",
      showroom: SHOWROOM,
      departements: DEPARTEMENTS,
      current: currentProfile(req)?.preview ? currentProfile(req) : null,
    });
  });

  admin.post("/apercu", form, async (req, res) => {
    const user = requireSessionUser(req);
    const choice = SHOWROOM.find((s) => s.id === req.body?.profil);
    if (!choice) throw new BadRequestError("Choisissez un profil à prévisualiser.");
    let { perimeter, label } = choice;
    const departement = typeof req.body?.departement === "string" ? req.body.departement : "";
    if (departement && (choice.kind === "ddets" || choice.kind === "conseil_departemental")) {
      const found = DEPARTEMENTS.find((d) => d.code === departement);
      if (!found) throw new BadRequestError("Département inconnu.");
      perimeter = { ...perimeter, departements: [found.code], region: found.codeRegion };
      label = `${PROFILE_LABELS[choice.kind]} — ${found.libelle}`;
    }
    startPreview(req, { kind: choice.kind, label, perimeter });
    await writeAudit(db, {
      action: "preview.started",
      actor: { sub: user.sub, email: user.email },
      profileKind: choice.kind,
      lockedValues: { perimeter },
      details: { label },
      requestId: requestId(req),
    });
    await saveSession(req);
    res.redirect(303, "/tableaux-de-bord");
  });

  admin.post("/apercu/quitter", async (req, res) => {
    const user = requireSessionUser(req);
    const stopped = stopPreview(req);
    if (stopped) {
      await writeAudit(db, {
        action: "preview.stopped",
        actor: { sub: user.sub, email: user.email },
        profileKind: stopped.kind,
        requestId: requestId(req),
      });
    }
    await saveSession(req);
    res.redirect(303, "/admin/apercu");
  });

  router.use("/admin", admin);
  return router;
}

/** `/api/me`'s profile part: kind, organisation, perimeter with codes and labels. */
export function describeProfileForApi(req: Request) {
  const profile = currentProfile(req);
  if (!profile) return { profile: null, access: getSessionUser(req) ? "none" : "anonymous" };
  const departements = profile.perimeter.departements ?? [];
  return {
    profile: {
      kind: profile.kind,
      label: PROFILE_LABELS[profile.kind],
      organisation: { ref: profile.organisationRef, label: profile.organisationLabel },
      preview: profile.preview,
      own: ownProfile(req)?.kind ?? null,
      perimeter: {
        departements: departements.map((code) => ({
          code,
          label: DEPARTEMENTS.find((d) => d.code === code)?.libelle ?? code,
        })),
        region: profile.perimeter.region
          ? {
              code: profile.perimeter.region,
              label: findRegion(profile.perimeter.region)?.nom ?? profile.perimeter.region,
            }
          : null,
        structures: profile.perimeter.structures ?? [],
        reseau: profile.perimeter.reseau ?? null,
        organisation: profile.perimeter.organisation ?? null,
        description: describePerimeter(profile.perimeter, ALL_DEPARTEMENT_CODES.length),
      },
    },
  };
}
