import type { Request } from "express";
import type { Dashboard } from "../catalog/index.js";
import { dashboardAccess } from "../perimeter/dashboard-access.js";
import { narrowedPerimeter } from "../perimeter/narrowed-profile.js";
import {
  CHOICE_PARAMETERS,
  isNarrowed,
  NarrowingError,
  type TerritoryChoice,
} from "../perimeter/narrowing.js";
import type { Profile } from "../perimeter/session-profile.js";
import type { TerritoryReferenceReader } from "../territories/reference.js";
import { findDepartement } from "../territories/territories.js";
import { isPublicDashboard } from "./dashboard-pages.js";

/**
 * A dashboard page's territory (issue 19): the profile narrowed to the address's choice, and the lists a
 * viewer chooses from — the départements of their perimeter, the bassins d'emploi of those (or of the
 * chosen one), the EPCI of a single département — offered only where the dashboard has a lock they
 * narrow. The choice stays in the address (`?departement=93&bassin=9302`), so a link, a reload and the
 * token renewal (public/embed.js) keep it.
 */

/** The profile whose locks the page signs; a public dashboard is never narrowed (it has no lock). */
export async function narrowedProfile(
  req: Request,
  dashboard: Dashboard,
  profile: Profile | null,
  territories: TerritoryReferenceReader,
): Promise<{ profile: Profile | null; choice: TerritoryChoice }> {
  if (!profile || isPublicDashboard(dashboard)) return { profile, choice: {} };
  const { perimeter, choice } = await narrowedPerimeter(req, profile.perimeter, territories);
  const narrowed = { ...profile, perimeter };
  if (
    isNarrowed(choice) &&
    !dashboardAccess(narrowed, dashboard).allowed &&
    dashboardAccess(profile, dashboard).allowed
  ) {
    // A lock the choice cannot fill (a région lock once narrowed to a département): refused, not widened.
    throw new NarrowingError(
      "Ce tableau de bord ne se restreint pas à ce territoire : il se lit sur tout votre périmètre.",
      "departement",
    );
  }
  return { profile: narrowed, choice };
}

/** The choice as a query string (`departement=93&bassin=9302`), or "" without one. */
export function choiceQuery(choice: TerritoryChoice): string {
  const query = new URLSearchParams();
  for (const name of CHOICE_PARAMETERS) if (choice[name]) query.set(name, choice[name]!);
  return query.toString();
}

export interface TerritoryOption {
  value: string;
  label: string;
}

export interface TerritoryChooser {
  choice: TerritoryChoice;
  /** Empty when the perimeter has a single département. */
  departements: TerritoryOption[];
  /** Empty when the dashboard has no bassin lock, or its territory a single bassin. */
  bassins: TerritoryOption[];
  /** Only within one département, on a dashboard with an EPCI lock. */
  epcis: TerritoryOption[];
  /** What the page shows now, in words: « 93 - Seine-Saint-Denis, bassin d'Aulnay-sous-Bois ». */
  current: string | null;
}

/** The chooser of a dashboard page, or null when there is nothing to choose. */
export async function territoryChooser(
  req: Request,
  dashboard: Dashboard,
  profile: Profile,
  choice: TerritoryChoice,
  territories: TerritoryReferenceReader,
): Promise<TerritoryChooser | null> {
  const locks = new Set(dashboard.parameters.flatMap((p) => (p.locked ? [p.locked] : [])));
  const byDepartement = locks.has("departements") || locks.has("departement_labels");
  const own = profile.perimeter.departements ?? [];
  if (own.length === 0 || (!byDepartement && !locks.has("bassins") && !locks.has("epci"))) return null;
  const reference = req.territoryReference ?? (await territories.current());
  const chosenDepartements = choice.departement ? [choice.departement] : own;
  const departements =
    own.length > 1 && byDepartement
      ? own.map((code) => ({ value: code, label: findDepartement(code)?.libelle ?? code }))
      : [];
  const bassinList = locks.has("bassins") ? reference.bassinsOf(chosenDepartements) : [];
  const bassins =
    bassinList.length > 1 ? bassinList.map((b) => ({ value: b.code, label: bassinLabel(b) })) : [];
  const epciList =
    locks.has("epci") && chosenDepartements.length === 1 ? reference.epcisOf(chosenDepartements[0]!) : [];
  const epcis = epciList.length > 1 ? epciList.map((e) => ({ value: e.code, label: e.nom })) : [];
  if (departements.length === 0 && bassins.length === 0 && epcis.length === 0) return null;
  const parts = [
    choice.departement ? (findDepartement(choice.departement)?.libelle ?? choice.departement) : null,
    choice.bassin ? (reference.bassin(choice.bassin)?.nom ?? choice.bassin) : null,
    choice.epci ? (reference.epci(choice.epci)?.nom ?? choice.epci) : null,
  ].filter((part): part is string => part !== null);
  return { choice, departements, bassins, epcis, current: parts.length > 0 ? parts.join(", ") : null };
}

/** A bassin straddling départements says so: the page shows only its part inside the perimeter. */
function bassinLabel(bassin: { nom: string; departements: readonly string[] }): string {
  return bassin.departements.length > 1 ? `${bassin.nom} (${bassin.departements.join(", ")})` : bassin.nom;
}
