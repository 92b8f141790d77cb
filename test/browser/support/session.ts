import type { Browser, BrowserContext, Page } from "playwright-core";
import { JourneyRecorder } from "./page-checks.js";

export interface BrowserJourneyContext {
  browser: Browser;
  /** The demo server's PUBLIC_URL. */
  baseUrl: string;
}

export interface JourneyPage {
  context: BrowserContext;
  page: Page;
  recorder: JourneyRecorder;
  close(): Promise<void>;
}

/**
 * A fresh browser context (no cookie, no storage) for one journey, in French, at a laptop's size, with
 * downloads accepted so a CSV link can be followed.
 */
export async function openJourney(ctx: BrowserJourneyContext, journey: string): Promise<JourneyPage> {
  const context = await ctx.browser.newContext({
    baseURL: ctx.baseUrl,
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const recorder = new JourneyRecorder(journey, page);
  return { context, page, recorder, close: () => context.close() };
}
