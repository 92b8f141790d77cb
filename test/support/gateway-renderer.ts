import * as template from "../../src/template/index.js";
import type { ColumnType, TemplateParameter, TemplateTag } from "../../src/template/index.js";
import type { FieldMetadata, NativeRenderer } from "./metabase-server/index.js";

/**
 * The gateway's renderer (`src/template/`) behind the Metabase test server's renderer interface, so that the
 * conformance table and the sync tests can run the same requests through both. It lives outside
 * test/support/metabase-server/, which must never import `src/template/` (test/structure.test.ts).
 */

/** The column type the catalogue's `column_type` would give, from Metabase's effective type. */
function columnType(baseType: string): ColumnType | undefined {
  if (baseType === "type/Date") return "date";
  if (baseType.startsWith("type/DateTime") || baseType === "type/Instant") return "datetime";
  if (["type/Integer", "type/BigInteger", "type/Float", "type/Decimal", "type/Number"].includes(baseType)) {
    return "number";
  }
  if (baseType === "type/Boolean") return "boolean";
  return undefined;
}

export class GatewayRenderFailure extends Error {
  constructor(
    message: string,
    readonly errorType: string,
  ) {
    super(message);
    this.name = "GatewayRenderFailure";
  }
}

/** The module's two entry points: the meta-test hands in a copy of src/template/ with a bug planted in it. */
export interface TemplateModule {
  renderNativeQuery: typeof template.renderNativeQuery;
  TemplateError: typeof template.TemplateError;
}

export function createGatewayRenderer({ renderNativeQuery, TemplateError }: TemplateModule): NativeRenderer {
  return (input) => {
    const resolveField = (dimension: unknown) => {
      const field: FieldMetadata | undefined = input.field(dimension);
      if (!field) {
        throw new TemplateError(`Can't find field with ID: ${JSON.stringify(dimension)}`, {
          code: "invalid-parameter",
        });
      }
      const type = columnType(field.baseType);
      return { schema: field.schema, table: field.table, column: field.name, ...(type ? { type } : {}) };
    };
    try {
      return renderNativeQuery(
        input.sql,
        input.tags as unknown as Record<string, TemplateTag>,
        input.parameters as unknown as TemplateParameter[],
        { resolveField, now: input.now, timeZone: input.timeZone },
      );
    } catch (error) {
      if (error instanceof TemplateError) throw new GatewayRenderFailure(error.message, error.code);
      throw error;
    }
  };
}

export const gatewayRenderer: NativeRenderer = createGatewayRenderer(template);
