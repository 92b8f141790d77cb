/**
 * SIRET checks. ProConnect replaces an invalid SIRET with the identity provider's default one, so a
 * well-formed SIRET proves little (proconnect.md §1.4); these functions only tell a well-formed one.
 * A SIRET is 14 digits passing the Luhn check, La Poste's (SIREN 356000000) being the one exception.
 */
const LA_POSTE_SIREN = "356000000";

function luhnSum(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum;
}

export function isValidSiret(value: string): boolean {
  if (!/^\d{14}$/.test(value)) return false;
  if (value.startsWith(LA_POSTE_SIREN)) return true;
  return luhnSum(value) % 10 === 0;
}

/** Completes 13 digits with the Luhn key that makes a valid SIRET (for synthetic data). */
export function completeSiret(first13: string): string {
  if (!/^\d{13}$/.test(first13)) throw new Error(`expected 13 digits, got ${first13}`);
  for (let key = 0; key < 10; key++) {
    if (luhnSum(`${first13}${key}`) % 10 === 0) return `${first13}${key}`;
  }
  throw new Error("unreachable: one Luhn key always exists");
}

export function sirenOf(siret: string): string {
  return siret.slice(0, 9);
}
