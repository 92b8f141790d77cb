/**
 * ProConnect's eIDAS levels are not a single line: `eidas0-mfa` has a second factor but a weaker identity
 * than `eidas1`. A level meets a minimum when its identity assurance is at least the minimum's and,
 * if the minimum asks for a second factor, it has one too (eidas2 and eidas3 always do).
 * Values outside this table (for instance ProConnect's certification-dirigeant ACR, which says who the
 * person is, not how they authenticated) meet no minimum: we never ask for them.
 */
const LEVELS: Record<string, { identity: number; mfa: boolean }> = {
  eidas0: { identity: 0, mfa: false },
  "eidas0-mfa": { identity: 0, mfa: true },
  eidas1: { identity: 1, mfa: false },
  "eidas1-mfa": { identity: 1, mfa: true },
  eidas2: { identity: 2, mfa: true },
  eidas3: { identity: 3, mfa: true },
};

/** The eIDAS levels of ProConnect's `acr_values_supported` (proconnect.md §1.1 and §1.6), weakest first. */
export const KNOWN_ACR_VALUES: readonly string[] = Object.keys(LEVELS);

export function meetsMinimumAcr(acr: string | undefined, minimum: string): boolean {
  const level = acr === undefined ? undefined : LEVELS[acr];
  const wanted = LEVELS[minimum];
  if (!level || !wanted) return false;
  return level.identity >= wanted.identity && (level.mfa || !wanted.mfa);
}

/** The ACR values that satisfy `minimum`, in ProConnect's order: what the authorization request asks for. */
export function acceptableAcrs(minimum: string): string[] {
  return KNOWN_ACR_VALUES.filter((acr) => meetsMinimumAcr(acr, minimum));
}
