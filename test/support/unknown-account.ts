import { DEMO_ACCOUNTS, type DemoAccount } from "../../src/demo/accounts.js";

/**
 * Suites share one gateway database, where a suite may give an unknown person access (an approved
 * request is a grant). So a suite that changes what happens to an unknown person, or must be sure one
 * stays unplaced whatever ran before, uses one of its own: inconnu@'s claims (an organisation nobody
 * knows) under another e-mail, uid and so `sub`, added to its provider's accounts.
 *
 *   const UNKNOWN = ownUnknownAccount("exports");
 *   startLoginStack({ provider: { accounts: [...DEMO_ACCOUNTS, UNKNOWN] } });
 *   loginAs(stack.baseUrl, UNKNOWN.email);
 *
 * inconnu@ itself is never changed by any suite, so each may check it against PRODUCT.md §6.
 */
export function ownUnknownAccount(suite: string): DemoAccount {
  const inconnu = DEMO_ACCOUNTS.find((a) => a.email === "inconnu@demo.pilotage.test");
  if (!inconnu) throw new Error("the demo accounts have no inconnu@demo.pilotage.test");
  return { ...inconnu, email: `inconnu.${suite}@demo.pilotage.test`, uid: `inconnu-${suite}` };
}
