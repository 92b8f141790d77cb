/**
 * A tiny headless browser for the real login flow, and `loginAs` on top of it.
 *
 *   const browser = await loginAs(baseUrl, "agent.ddets93@demo.pilotage.test");
 *   const me = await browser.get(`${baseUrl}/api/me`);            // carries the session cookie
 *   const page = await browser.follow(`${baseUrl}/tableaux-de-bord`); // follows redirects with cookies
 *
 * `fetch` with `redirect: "manual"` plus a cookie jar, because fetch's own redirect following drops the
 * cookies between hops (proconnect.md §3.5). Cookies are kept per host name, not per port, as browsers do:
 * two gateways on 127.0.0.1 share them, which is what the multi-process tests rely on. The gateway must
 * listen (the provider redirects to it) and its provider must be the demo one (its login form is filled).
 */

export interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | undefined;
  expiresAt: number | undefined;
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** Reads every Set-Cookie of a response to `url`. */
  store(url: URL, response: Response): void {
    for (const header of response.headers.getSetCookie()) this.storeOne(url, header);
  }

  private storeOne(url: URL, header: string): void {
    const [pair = "", ...attributes] = header.split(";").map((part) => part.trim());
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const cookie: StoredCookie = {
      name: pair.slice(0, eq),
      value: pair.slice(eq + 1),
      host: url.hostname,
      path: defaultPath(url.pathname),
      secure: false,
      httpOnly: false,
      sameSite: undefined,
      expiresAt: undefined,
    };
    for (const attribute of attributes) {
      const [rawKey = "", ...rest] = attribute.split("=");
      const key = rawKey.toLowerCase();
      const value = rest.join("=");
      if (key === "path" && value.startsWith("/")) cookie.path = value;
      else if (key === "secure") cookie.secure = true;
      else if (key === "httponly") cookie.httpOnly = true;
      else if (key === "samesite") cookie.sameSite = value.toLowerCase();
      else if (key === "max-age") cookie.expiresAt = Date.now() + Number(value) * 1000;
      else if (key === "expires" && cookie.expiresAt === undefined) cookie.expiresAt = Date.parse(value);
    }
    this.cookies = this.cookies.filter(
      (c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path),
    );
    if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.cookies.push(cookie);
  }

  /** The `cookie` header a browser would send to `url`. */
  headerFor(url: URL): string {
    return this.matching(url)
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  matching(url: URL): StoredCookie[] {
    const now = Date.now();
    return this.cookies.filter(
      (c) =>
        c.host === url.hostname &&
        (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`)) &&
        (!c.secure || url.protocol === "https:") &&
        (c.expiresAt === undefined || c.expiresAt > now),
    );
  }

  delete(name: string): void {
    this.cookies = this.cookies.filter((c) => c.name !== name);
  }

  get(name: string): StoredCookie | undefined {
    return this.cookies.find((c) => c.name === name);
  }

  all(): StoredCookie[] {
    return [...this.cookies];
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    copy.cookies = this.cookies.map((c) => ({ ...c }));
    return copy;
  }

  set(cookie: StoredCookie): void {
    this.cookies = this.cookies.filter(
      (c) => !(c.name === cookie.name && c.host === cookie.host && c.path === cookie.path),
    );
    this.cookies.push(cookie);
  }
}

function defaultPath(pathname: string): string {
  const slash = pathname.lastIndexOf("/");
  return slash <= 0 ? "/" : pathname.slice(0, slash);
}

export interface Hop {
  url: string;
  status: number;
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  text: string;
  /** Every URL visited, redirects included, in order. */
  hops: Hop[];
}

export class Browser {
  readonly jar: CookieJar;

  constructor(jar = new CookieJar()) {
    this.jar = jar;
  }

  /** One request, no redirect followed; cookies sent and stored. */
  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.jar.headerFor(target);
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(target, { ...init, headers, redirect: "manual" });
    this.jar.store(target, response);
    return response;
  }

  get(url: string | URL, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, { headers });
  }

  /** A form post (application/x-www-form-urlencoded). */
  post(
    url: string | URL,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.request(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /**
   * Follows redirects like a browser (303 and 302 become GET), stopping early when `stopAt` says so
   * (the hop is then returned unvisited, with status 0). Returns the last page.
   */
  async follow(
    start: string | URL | Response,
    options: { stopAt?: (url: URL) => boolean; from?: string; maxHops?: number } = {},
  ): Promise<Page> {
    const hops: Hop[] = [];
    let response: Response;
    let url: URL;
    if (start instanceof Response) {
      response = start;
      url = new URL(options.from ?? start.url);
    } else {
      url = new URL(start);
      if (options.stopAt?.(url)) return { url: url.href, status: 0, headers: new Headers(), text: "", hops };
      response = await this.get(url);
    }
    hops.push({ url: url.href, status: response.status });
    for (let i = 0; i < (options.maxHops ?? 20); i++) {
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || !location) break;
      url = new URL(location, url);
      if (options.stopAt?.(url)) {
        await response.body?.cancel();
        return { url: url.href, status: 0, headers: new Headers(), text: "", hops };
      }
      await response.body?.cancel();
      response = await this.get(url);
      hops.push({ url: url.href, status: response.status });
    }
    return {
      url: url.href,
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      hops,
    };
  }

  /** Posts a form and follows what comes back. */
  async submit(action: string | URL, fields: Record<string, string>): Promise<Page> {
    const response = await this.post(action, fields);
    return this.follow(response, { from: new URL(action).href });
  }
}

/** The first form of a page whose action matches, with its hidden fields, as a browser would submit it. */
export function formOf(
  page: { url: string; text: string },
  actionPattern: RegExp,
): { action: string; fields: Record<string, string> } {
  for (const match of page.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = /action="([^"]*)"/.exec(match[1]!)?.[1];
    if (action === undefined || !actionPattern.test(decodeEntities(action))) continue;
    const fields: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input\b([^>]*)>/g)) {
      const attributes = input[1]!;
      const type = /type="([^"]*)"/.exec(attributes)?.[1] ?? "text";
      const name = /name="([^"]*)"/.exec(attributes)?.[1];
      const value = /value="([^"]*)"/.exec(attributes)?.[1] ?? "";
      if (!name || (type === "radio" && !/\bchecked\b/.test(attributes))) continue;
      fields[name] = decodeEntities(value);
    }
    return { action: new URL(decodeEntities(action), page.url).href, fields };
  }
  throw new Error(
    `no form with an action matching ${actionPattern} on ${page.url}:\n${page.text.slice(0, 2000)}`,
  );
}

function decodeEntities(value: string): string {
  return value
    .replaceAll("&amp;", "&")
    .replaceAll("&#34;", '"')
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">");
}

export interface LoginOptions {
  /** The `acr` chosen on the demo provider's form (default: what the form pre-selects). */
  acr?: string;
  /** Where to come back after login (the login page's `retour`). */
  returnTo?: string;
  /** Reuse a browser (e.g. one already logged in at the provider: single sign-on). */
  browser?: Browser;
  /** Called with the URL of ProConnect's authorization request before the browser follows it. */
  rewriteAuthorizationUrl?: (url: URL) => URL | Promise<URL>;
  /** Called with the callback URL (code, state, iss) before the browser follows it. */
  rewriteCallbackUrl?: (url: URL) => URL | Promise<URL>;
}

export interface LoginResult {
  browser: Browser;
  /** The page the flow ended on (the gateway's page after the callback, or an error page). */
  page: Page;
  /** The callback URL as ProConnect sent it (holds the code: never log it). */
  callbackUrl: URL | undefined;
  /** True when the provider answered without showing its form (single sign-on). */
  silent: boolean;
}

/**
 * Drives the whole login as a person would: the gateway's login page, its ProConnect button, the demo
 * provider's form (email and acr), the redirects back, the gateway's callback. Returns whatever page
 * the flow ended on: use `loginAs` when the login must succeed.
 */
export async function driveLogin(
  baseUrl: string,
  email: string,
  options: LoginOptions = {},
): Promise<LoginResult> {
  const browser = options.browser ?? new Browser();
  const gateway = new URL(baseUrl);
  const loginPage = await browser.follow(
    `${baseUrl}/connexion${options.returnTo ? `?retour=${encodeURIComponent(options.returnTo)}` : ""}`,
  );
  const button = formOf(loginPage, /^\/connexion$/);
  let response = await browser.post(button.action, button.fields);
  if (response.status !== 303)
    throw new Error(`POST /connexion answered ${response.status}: ${await response.text()}`);
  let authorizationUrl = new URL(response.headers.get("location")!, button.action);
  await response.body?.cancel();
  if (options.rewriteAuthorizationUrl)
    authorizationUrl = await options.rewriteAuthorizationUrl(authorizationUrl);

  const isCallback = (url: URL) => url.origin === gateway.origin && url.pathname === "/connexion/callback";
  let atProvider = await browser.follow(authorizationUrl, { stopAt: isCallback });
  let silent = true;
  if (atProvider.status !== 0) {
    silent = false;
    const form = formOf(atProvider, /\/interaction\/[^/]+\/login$/);
    const fields = { ...form.fields, email, ...(options.acr ? { acr: options.acr } : {}) };
    if (!options.acr) fields.acr = selectedOption(atProvider.text, "acr") ?? "eidas1";
    response = await browser.post(form.action, fields);
    atProvider = await browser.follow(response, { from: form.action, stopAt: isCallback });
    if (atProvider.status !== 0) {
      throw new Error(
        `the provider did not redirect to the gateway (${atProvider.status} ${atProvider.url}):\n${atProvider.text.slice(0, 1500)}`,
      );
    }
  }
  let callbackUrl = new URL(atProvider.url);
  if (options.rewriteCallbackUrl) callbackUrl = await options.rewriteCallbackUrl(new URL(callbackUrl));
  const page = await browser.follow(callbackUrl);
  return { browser, page, callbackUrl: new URL(atProvider.url), silent };
}

function selectedOption(html: string, selectName: string): string | undefined {
  const select = new RegExp(`<select[^>]*name="${selectName}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1];
  return select ? /<option value="([^"]*)"\s+selected/.exec(select)?.[1] : undefined;
}

/**
 * Logs `email` (a demo account, PRODUCT.md §6) in through the real flow and returns a browser holding
 * the gateway's session cookie. Throws if the login does not end on a page of the gateway with a
 * session (an error page, a refusal).
 */
export async function loginAs(baseUrl: string, email: string, options: LoginOptions = {}): Promise<Browser> {
  const { browser, page } = await driveLogin(baseUrl, email, options);
  const me = await browser.get(`${baseUrl}/api/me`);
  if (me.status !== 200) {
    throw new Error(
      `login as ${email} failed: ended on ${page.url} (${page.status}):\n${page.text.slice(0, 1500)}`,
    );
  }
  await me.body?.cancel();
  return browser;
}

/**
 * Starts a logout as a person does: the header's « Se déconnecter » form on a page of the gateway,
 * posted with the `Origin` and `Sec-Fetch-Site` a browser sends from that page. Returns the gateway's
 * answer unfollowed: a 303 to ProConnect's end-session endpoint (or to the home page when nobody was
 * logged in); `browser.follow(response, { from: response.url })` goes on from there.
 */
export async function startLogout(browser: Browser, baseUrl: string): Promise<Response> {
  const page = await browser.follow(`${baseUrl}/`);
  const header = /<header\b[\s\S]*?<\/header>/.exec(page.text)?.[0];
  if (!header) throw new Error(`no header on ${page.url}:\n${page.text.slice(0, 1500)}`);
  const form = formOf({ url: page.url, text: header }, /^\/deconnexion$/);
  return browser.post(form.action, form.fields, {
    origin: new URL(baseUrl).origin,
    "sec-fetch-site": "same-origin",
  });
}

export interface BrowserPerAccount {
  (email: string): Promise<Browser>;
  /** Forgets every browser (e.g. their sessions were lost), so that each account logs in again. */
  forgetAll(): void;
}

/**
 * One logged-in browser per demo account, logged in at its first use against the gateway `baseUrl()`
 * gives then (suites start their stack in a hook, after this is built).
 */
export function browserPerAccount(baseUrl: () => string): BrowserPerAccount {
  const browsers = new Map<string, Browser>();
  const as = async (email: string) => {
    if (!browsers.has(email)) browsers.set(email, await loginAs(baseUrl(), email));
    return browsers.get(email)!;
  };
  return Object.assign(as, { forgetAll: () => browsers.clear() });
}
