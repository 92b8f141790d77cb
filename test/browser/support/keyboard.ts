import type { Locator, Page } from "playwright-core";

/** What the keyboard is on: enough to read a failure ("A Se connecter /connexion"). */
export async function focusedElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = (
      globalThis as unknown as {
        document: {
          activeElement: {
            tagName: string;
            id: string;
            textContent: string | null;
            getAttribute(name: string): string | null;
          } | null;
        };
      }
    ).document.activeElement;
    if (!active) return "(nothing)";
    const text = (active.textContent ?? "").replace(/\s+/g, " ").trim().slice(0, 60);
    const extra = active.getAttribute("href") ?? active.getAttribute("name") ?? "";
    return [active.tagName, active.id && `#${active.id}`, text, extra].filter(Boolean).join(" ");
  });
}

/**
 * Whether one of the elements `target` matches has the focus, and shows it (an outline or a ring,
 * RGAA 10.7).
 */
async function focusState(target: Locator): Promise<{ focused: boolean; visibleFocus: boolean }> {
  return target.evaluateAll((elements) => {
    const first = elements[0] as unknown as {
      ownerDocument: { activeElement: unknown; defaultView: unknown };
    };
    const active = first.ownerDocument.activeElement;
    if (!elements.some((element) => element === active)) return { focused: false, visibleFocus: false };
    const view = first.ownerDocument.defaultView as {
      getComputedStyle(
        e: unknown,
        pseudo?: string,
      ): { outlineStyle: string; outlineWidth: string; boxShadow: string; content: string };
    };
    // DSFR draws some rings on a pseudo-element: a card's enlarged link outlines its ::before.
    const ringed = [undefined, "::before", "::after"].some((pseudo) => {
      const style = view.getComputedStyle(active, pseudo);
      if (pseudo && (style.content === "none" || style.content === "normal")) return false;
      const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
      return outline || (style.boxShadow !== "none" && style.boxShadow !== "");
    });
    return { focused: true, visibleFocus: ringed };
  });
}

export interface TabOptions {
  /** Tab presses allowed before giving up (a page whose target is further away has a problem). */
  max?: number;
  /** Shift+Tab instead of Tab. */
  backwards?: boolean;
}

/**
 * Presses Tab (only Tab) until `target` (or one of the elements it matches) has the focus, and checks the
 * focus can be seen there. Returns the number of presses (0 when it already had the focus, e.g. through
 * `autofocus`); fails with the elements visited on the way when the target is never reached.
 */
export async function tabTo(page: Page, target: Locator, options: TabOptions = {}): Promise<number> {
  const max = options.max ?? 40;
  const key = options.backwards ? "Shift+Tab" : "Tab";
  await target.first().waitFor({ state: "attached", timeout: 5_000 });
  const visited: string[] = [];
  for (let presses = 0; presses <= max; presses += 1) {
    if (presses > 0) await page.keyboard.press(key);
    const state = await focusState(target);
    if (state.focused) {
      if (!state.visibleFocus) {
        throw new Error(`focus on ${await focusedElement(page)} is not visible (no outline nor ring)`);
      }
      return presses;
    }
    if (presses > 0) visited.push(await focusedElement(page));
  }
  throw new Error(`${key} × ${max} never reached ${target.toString()}; visited:\n  ${visited.join("\n  ")}`);
}

/** Tab to `target`, then Enter, and wait until the page it leads to (after any redirect) has loaded. */
export async function tabAndEnter(page: Page, target: Locator, options: TabOptions = {}): Promise<number> {
  const presses = await tabTo(page, target, options);
  const loaded = page.waitForEvent("load");
  await page.keyboard.press("Enter");
  await loaded;
  return presses;
}

/**
 * Picks a radio button the way a keyboard user does: Tab into the group (onto its checked button, or
 * its first), Space to check the focused one, then arrows until `choice` is checked.
 */
export async function chooseRadio(page: Page, group: Locator, choice: Locator, options: TabOptions = {}) {
  await tabTo(page, group, options);
  if (!(await page.evaluate("document.activeElement.checked"))) await page.keyboard.press("Space");
  const count = await group.count();
  for (let moves = 0; moves < count && !(await choice.isChecked()); moves += 1) {
    await page.keyboard.press("ArrowDown");
  }
  if (!(await choice.isChecked())) throw new Error(`the arrows never checked ${choice.toString()}`);
  if (!(await choice.evaluate((element) => element === element.ownerDocument.activeElement))) {
    throw new Error(`${choice.toString()} is checked but does not have the focus`);
  }
}
