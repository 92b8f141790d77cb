import {
  EmptyLockError,
  lockValue,
  type LockValue,
  type Perimeter,
  type PerimeterAttribute,
} from "./lock-values.js";
import type { ProfileKind } from "./placement.js";

/**
 * Who may open which dashboard, and with which locked values: the authorisation matrix, as one pure
 * function over a profile and a dashboard definition.
 *
 * A public dashboard (which never has locked parameters) opens for everyone. Otherwise the profile's
 * kind must be in the dashboard's audiences — staff may open any dashboard their own perimeter can
 * fill — and every locked parameter must get a non-empty value from the perimeter.
 */
export interface AccessProfile {
  kind: ProfileKind;
  perimeter: Perimeter;
}

export interface AccessDashboard {
  key: string;
  public: boolean;
  audiences: readonly string[];
  parameters: ReadonlyArray<{ slug: string; locked?: PerimeterAttribute | undefined }>;
}

export type DashboardAccess =
  | { allowed: true; locks: Record<string, LockValue> }
  | { allowed: false; reason: "not_in_audience" | "perimeter_cannot_fill_lock"; attribute?: string };

/**
 * Open to everyone without login: public, and no locked parameter (the catalogue refuses a public lock
 * anyway). The one rule of what a public dashboard, a public note, and the questions they show expose.
 */
export function isOpenToEveryone(dashboard: Pick<AccessDashboard, "public" | "parameters">): boolean {
  return dashboard.public && dashboard.parameters.every((p) => !p.locked);
}

export function dashboardAccess(profile: AccessProfile | null, dashboard: AccessDashboard): DashboardAccess {
  if (isOpenToEveryone(dashboard)) return { allowed: true, locks: {} };
  const locked = dashboard.parameters.filter((p) => p.locked);
  if (!profile) return { allowed: false, reason: "not_in_audience" };
  if (profile.kind !== "staff" && !dashboard.audiences.includes(profile.kind)) {
    return { allowed: false, reason: "not_in_audience" };
  }
  const locks: Record<string, LockValue> = {};
  for (const parameter of locked) {
    try {
      locks[parameter.slug] = lockValue(profile.perimeter, parameter.locked!);
    } catch (error) {
      if (error instanceof EmptyLockError) {
        return { allowed: false, reason: "perimeter_cannot_fill_lock", attribute: parameter.locked };
      }
      throw error;
    }
  }
  return { allowed: true, locks };
}
