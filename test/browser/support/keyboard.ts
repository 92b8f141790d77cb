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

/** Whether the element has the focus, and shows it (an outline or a ring, RGAA 10.7). */
async function focusState(target: Locator): Promise<{ focused: boolean; visibleFocus: boolean }> {
  return target.evaluate((element) => {
    const el = element as unknown as { ownerDocument: { activeElement: unknown; defaultView: unknown } };
    const view = el.ownerDocument.defaultView as {
      getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string; boxShadow: string };
    };
    const style = view.getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {
      focused: el.ownerDocument.activeElement === element,
      visibleFocus: outline || (style.boxShadow !== "none" && style.boxShadow !== ""),
    };
  });
}

export interface TabOptions {
  /** Tab presses allowed before giving up (a page whose target is further away has a problem). */
  max?: number;
  /** Shift+Tab instead of Tab. */
  backwards?: boolean;
}

/**
 * Presses Tab (only Tab) until `target` has the focus, and checks the focus can be seen there. Returns the
 * number of presses; fails with the elements visited on the way when the target is never reached.
 */
export async function tabTo(page: Page, target: Locator, options: TabOptions = {}): Promise<number> {
  const max = options.max ?? 40;
  const key = options.backwards ? "Shift+Tab" : "Tab";
  await target.first().waitFor({ state: "attached", timeout: 5_000 });
  const visited: string[] = [];
  for (let presses = 1; presses <= max; presses += 1) {
    await page.keyboard.press(key);
    const state = await focusState(target.first());
    if (state.focused) {
      if (!state.visibleFocus) {
        throw new Error(`focus on ${await focusedElement(page)} is not visible (no outline nor ring)`);
      }
      return presses;
    }
    visited.push(await focusedElement(page));
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
