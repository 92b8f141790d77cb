import { gatewayRenderer } from "../support/gateway-renderer.js";
import type { NativeRenderer } from "../support/metabase-server/index.js";
import { emptyToNull, featuresOf, metabaseRenderer } from "../support/metabase-server/oracle-kit.js";
import { parseVersion, type VersionFeatures } from "../support/metabase-server/version.js";
import type { Implementation } from "./run.js";

/**
 * The two implementations every row runs through. The test server's: its embedding-API normalisation
 * (embed-params.ts, gated by version) then its own renderer. The gateway's: `src/template/` alone, which
 * applies the newest embedding rules itself (`[]` is no value).
 */

export interface OracleKit {
  render: NativeRenderer;
  emptyToNull(value: unknown): unknown;
  featuresOf(version: ReturnType<typeof parseVersion>): Pick<VersionFeatures, "emptyListIsNull">;
}

export function oracleImplementation(kit: OracleKit): Implementation {
  return {
    name: "test server (native-query/)",
    render: kit.render,
    prepare(row, parameters, major) {
      if (!row.embed || !kit.featuresOf(parseVersion(`v0.${major}.0`)).emptyListIsNull) return parameters;
      return parameters.map((p) => ("value" in p ? { ...p, value: kit.emptyToNull(p.value) } : p));
    },
  };
}

export const oracle = oracleImplementation({ render: metabaseRenderer, emptyToNull, featuresOf });

export function gatewayImplementation(render: NativeRenderer): Implementation {
  return { name: "gateway (src/template/)", render };
}

export const gateway = gatewayImplementation(gatewayRenderer);
