/**
 * From Docker's view to the stack's: compose writes `postgres:5432`, `https://metabase.localhost` and
 * `/caddy-ca/root.crt`; `npm run stack` runs every service on 127.0.0.1 on ports of its own, serves each
 * public site of Caddy on a port of localhost (Node resolves no `*.localhost` name, browsers do), and
 * keeps each named volume in a folder. Values are translated, never rewritten by hand, so that the stack
 * runs with exactly the environment compose gives each container.
 */
export interface StackAddresses {
  /** A public origin of the compose file (`https://metabase.localhost`) → the stack's (`https://localhost:8444`). */
  origins: ReadonlyMap<string, string>;
  /** `service:containerPort` → the stack's port on 127.0.0.1. */
  services: ReadonlyMap<string, number>;
}

export interface ServiceView {
  /** The service's own container ports → the stack's (its loopback address, seen from inside). */
  ownPorts: ReadonlyMap<number, number>;
  /** Mount target inside the container → the stack's folder. */
  mounts: ReadonlyMap<string, string>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
/** Where an address may start and end inside a value: a URL, a shell word, a JavaScript string. */
const BEFORE = "(?<=^|[\\s'\"=@/(,])";
const AFTER = "(?=$|[\\s'\"/),;?#])";

export class UntranslatedAddressError extends Error {
  constructor(readonly value: string) {
    super(`the stack cannot translate ${value}`);
    this.name = "UntranslatedAddressError";
  }
}

export function translate(value: string, addresses: StackAddresses, view?: ServiceView): string {
  let out = value;
  for (const [from, to] of addresses.origins) {
    out = out.replace(new RegExp(`${escape(from)}(?![\\w.:-])`, "g"), to);
  }
  for (const [service, port] of addresses.services) {
    out = out.replace(new RegExp(`${BEFORE}${escape(service)}${AFTER}`, "g"), `127.0.0.1:${port}`);
  }
  for (const [inside, outside] of view?.ownPorts ?? []) {
    out = out.replace(
      new RegExp(`${BEFORE}(127\\.0\\.0\\.1|localhost):${inside}${AFTER}`, "g"),
      `127.0.0.1:${outside}`,
    );
  }
  for (const [target, folder] of view?.mounts ?? []) {
    out = out.replace(new RegExp(`${BEFORE}${escape(target)}(?=$|[\\s'"/])`, "g"), folder);
  }
  return out;
}

/** Every `name:port` of a compose service left in a value (a reference the stack would not reach). */
export function serviceReferences(value: string, services: readonly string[]): string[] {
  const found: string[] = [];
  for (const service of services) {
    for (const m of value.matchAll(new RegExp(`${BEFORE}${escape(service)}:(\\d+)${AFTER}`, "g"))) {
      found.push(`${service}:${m[1]}`);
    }
  }
  return found;
}
