import type { Adapter, AdapterPayload } from "oidc-provider";

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

/**
 * oidc-provider's storage for the demo provider: plain maps, one per model, forgotten on restart (a demo
 * session then simply logs in again). Codes are marked consumed, not deleted, so a replayed code is
 * recognised and refused as oidc-provider expects.
 */
export function memoryAdapterFactory(): new (name: string) => Adapter {
  const stores = new Map<string, Map<string, Entry>>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();

  return class MemoryAdapter implements Adapter {
    private readonly store: Map<string, Entry>;

    constructor(name: string) {
      if (!stores.has(name)) stores.set(name, new Map());
      this.store = stores.get(name)!;
    }

    private live(id: string): Entry | undefined {
      const entry = this.store.get(id);
      if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        this.store.delete(id);
        return undefined;
      }
      return entry;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
      if (payload.uid) byUid.set(payload.uid, id);
      if (payload.userCode) byUserCode.set(payload.userCode, id);
      if (payload.grantId) {
        if (!byGrant.has(payload.grantId)) byGrant.set(payload.grantId, new Set());
        byGrant.get(payload.grantId)!.add(`${id}`);
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.live(id)?.payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = byUid.get(uid);
      return id === undefined ? undefined : this.live(id)?.payload;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : this.live(id)?.payload;
    }

    async consume(id: string): Promise<void> {
      const entry = this.live(id);
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.store.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const id of byGrant.get(grantId) ?? []) {
        for (const store of stores.values()) store.delete(id);
      }
      byGrant.delete(grantId);
    }
  };
}
