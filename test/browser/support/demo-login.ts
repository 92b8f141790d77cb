import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { chooseRadio, tabAndEnter } from "./keyboard.js";
import type { JourneyRecorder } from "./page-checks.js";

/** The in-process demo provider's issuer path (`npm run demo`), when no other issuer is given. */
const IN_PROCESS_PROVIDER = "/demo-proconnect/api/v2";

/** Whether the page is at the provider: `issuer` when it runs on its own (the stack), else in-process. */
function atProvider(page: Page, issuer: string | undefined, under = ""): boolean {
  if (issuer) return page.url().startsWith(`${issuer}/${under}`);
  return new URL(page.url()).pathname.startsWith(`${IN_PROCESS_PROVIDER}/${under}`);
}

/**
 * Logging in through the demo ProConnect-like provider in the browser, the way a person does: the
 * ProConnect button on /connexion, then an account of PRODUCT.md §6 on the provider's form (a radio
 * group posting `email`). With `keyboard`, only Tab, Space, arrows and Enter are used. `issuer`: the
 * provider's, when it runs on its own (`npm run stack`); by default the one `npm run demo` mounts.
 */
export async function loginWithDemoProvider(
  page: Page,
  recorder: JourneyRecorder,
  email: string,
  options: { keyboard?: boolean; startAt?: string; issuer?: string } = {},
): Promise<void> {
  if (options.startAt !== undefined || new URL(page.url()).pathname !== "/connexion") {
    await page.goto(options.startAt ?? "/connexion");
  }
  assert.equal(new URL(page.url()).pathname, "/connexion");
  await recorder.check("Connexion avec ProConnect");

  const button = page.getByRole("button", { name: "S’identifier avec ProConnect" });
  if (options.keyboard) await tabAndEnter(page, button);
  else await Promise.all([page.waitForEvent("load"), button.click()]);
  assert.ok(atProvider(page, options.issuer, "interaction/"), `at the provider's form: ${page.url()}`);
  await recorder.check("ProConnect (démonstration) : choix du compte");

  const account = page.getByRole("radio", { name: new RegExp(email.replace(/[.]/g, "\\.")) });
  const submit = page.locator("#formulaire-connexion").getByRole("button", { name: "Se connecter" });
  if (options.keyboard) {
    await chooseRadio(page, page.locator('input[type="radio"][name="email"]'), account);
    // The provider answers with redirects back to the gateway's callback, then to the page asked for.
    await tabAndEnter(page, submit);
  } else {
    // DSFR draws the radio over its label: a mouse user clicks the label.
    await page.locator("label", { hasText: email }).click();
    assert.equal(await account.isChecked(), true);
    await Promise.all([page.waitForEvent("load"), submit.click()]);
  }
  assert.ok(!atProvider(page, options.issuer), `back on the gateway: ${page.url()}`);
}

/**
 * The « Se déconnecter » button (a POST form) of the header, or with `from: "page"` the one of the
 * page's content (/deconnexion's own page), then the provider's confirmation and the gateway's
 * logged-out page.
 */
export async function logoutThroughProvider(
  page: Page,
  recorder: JourneyRecorder,
  options: { keyboard?: boolean; backwards?: boolean; from?: "header" | "page"; issuer?: string } = {},
): Promise<void> {
  const logout = (options.from === "page" ? page.locator("#contenu") : page.getByRole("banner")).getByRole(
    "button",
    { name: "Se déconnecter" },
  );
  if (options.keyboard) await tabAndEnter(page, logout, { max: 80, backwards: options.backwards ?? false });
  else await Promise.all([page.waitForEvent("load"), logout.click()]);
  assert.ok(atProvider(page, options.issuer), `at the provider's logout: ${page.url()}`);
  await recorder.check("ProConnect (démonstration) : confirmation de déconnexion");

  const confirm = page.getByRole("button", { name: "Oui, me déconnecter" });
  if (options.keyboard) await tabAndEnter(page, confirm);
  else await Promise.all([page.waitForEvent("load"), confirm.click()]);
  assert.equal(await page.locator("h1").innerText(), "Vous êtes déconnecté");
  await recorder.check("Déconnecté");
  assert.equal(await page.getByRole("banner").getByRole("link", { name: "Se connecter" }).count(), 1);
}
