import { z } from "zod";
import { schemaError } from "./errors.js";
import { ENTITY_ID } from "./state.js";

/**
 * Request bodies, checked the way Metabase's endpoint schemas check them: unknown keys are ignored (the
 * create and update schemas of the modelled versions are open maps), and a failure answers 400 with one
 * readable line per parameter, in Metabase's wording.
 */

const NON_BLANK = "value must be a non-blank string.";
const POSITIVE_INT = "value must be an integer greater than zero.";

const nonBlank = (message = NON_BLANK) =>
  z.string({ error: message }).refine((s) => s.trim() !== "", { error: message });
const positiveInt = (message = POSITIVE_INT) =>
  z.number({ error: message }).int({ error: message }).positive({ error: message });
const map = (message: string) => z.record(z.string(), z.unknown(), { error: message });
const optionalNullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const EmbeddingParamsSchema = z.record(z.string(), z.enum(["enabled", "locked", "disabled"]), {
  error: "value must be a valid embedding params map.",
});

const ParameterSchema = z.looseObject({ id: nonBlank(), type: nonBlank() });

export const SessionBody = z.looseObject({ username: nonBlank(), password: nonBlank() });

export const CollectionCreate = z.looseObject({
  name: nonBlank(),
  description: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  parent_id: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  namespace: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  authority_level: optionalNullable(z.enum(["official"], { error: 'nullable enum of "official"' })),
});

export const CollectionUpdate = z.looseObject({
  name: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  description: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  archived: optionalNullable(z.boolean({ error: "nullable boolean" })),
  parent_id: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
});

const CardType = z.enum(["question", "model", "metric"], {
  error: "nullable enum of question, model, metric",
});
const CollectionRef = z.union([positiveInt(), z.string().regex(ENTITY_ID)], {
  error: "nullable value must be an integer greater than zero.",
});

export const CardCreate = z.looseObject({
  name: nonBlank(),
  display: nonBlank(),
  visualization_settings: map("Value must be a map."),
  dataset_query: map("Value must be a map."),
  type: optionalNullable(CardType),
  description: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  collection_id: optionalNullable(CollectionRef),
  collection_position: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  parameters: optionalNullable(z.array(ParameterSchema, { error: "nullable sequence of parameter" })),
  parameter_mappings: optionalNullable(
    z.array(map("value must be a map."), { error: "nullable sequence of parameter mapping" }),
  ),
  cache_ttl: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  result_metadata: z.unknown().optional(),
});

export const CardUpdate = z.looseObject({
  name: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  description: optionalNullable(z.string({ error: "nullable string" })),
  display: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  visualization_settings: optionalNullable(map("nullable Value must be a map.")),
  dataset_query: optionalNullable(map("nullable Value must be a map.")),
  type: optionalNullable(CardType),
  archived: optionalNullable(z.boolean({ error: "nullable boolean" })),
  enable_embedding: optionalNullable(z.boolean({ error: "nullable boolean" })),
  embedding_type: optionalNullable(z.string({ error: "nullable string" })),
  embedding_params: optionalNullable(EmbeddingParamsSchema),
  collection_id: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  collection_position: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  parameters: optionalNullable(z.array(ParameterSchema, { error: "nullable sequence of parameter" })),
  parameter_mappings: optionalNullable(
    z.array(map("value must be a map."), { error: "nullable sequence of parameter mapping" }),
  ),
  cache_ttl: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  result_metadata: z.unknown().optional(),
});

export const DashboardCreate = z.looseObject({
  name: nonBlank(),
  description: optionalNullable(z.string({ error: "nullable string" })),
  parameters: optionalNullable(z.array(ParameterSchema, { error: "nullable sequence of parameter" })),
  cache_ttl: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  collection_id: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  collection_position: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
});

const ParameterMapping = z.looseObject({
  parameter_id: nonBlank(),
  target: z.array(z.unknown(), { error: "value must be a parameter target" }),
  card_id: optionalNullable(positiveInt()),
});

const UpdatedDashboardCard = z.looseObject({
  id: z.number({ error: "value must be an integer." }).int({ error: "value must be an integer." }),
  size_x: positiveInt(),
  size_y: positiveInt(),
  row: z.number().int().min(0, { error: "value must be an integer greater than or equal to zero." }),
  col: z.number().int().min(0, { error: "value must be an integer greater than or equal to zero." }),
  card_id: optionalNullable(positiveInt()),
  dashboard_tab_id: optionalNullable(z.number().int()),
  parameter_mappings: optionalNullable(z.array(ParameterMapping)),
  visualization_settings: optionalNullable(map("Value must be a map.")),
  series: optionalNullable(z.array(z.looseObject({ id: positiveInt() }))),
  inline_parameters: optionalNullable(z.array(nonBlank())),
});

const UpdatedDashboardTab = z.looseObject({ id: z.number().int(), name: nonBlank() });

function uniqueIds(items: { id: number }[] | null | undefined): boolean {
  return !items || new Set(items.map((i) => i.id)).size === items.length;
}

export const DashboardUpdate = z.looseObject({
  name: optionalNullable(nonBlank("nullable value must be a non-blank string.")),
  description: optionalNullable(z.string({ error: "nullable string" })),
  parameters: optionalNullable(z.array(ParameterSchema, { error: "nullable sequence of parameter" })),
  archived: optionalNullable(z.boolean({ error: "nullable boolean" })),
  enable_embedding: optionalNullable(z.boolean({ error: "nullable boolean" })),
  embedding_type: optionalNullable(z.string({ error: "nullable string" })),
  embedding_params: optionalNullable(EmbeddingParamsSchema),
  collection_id: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  collection_position: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  cache_ttl: optionalNullable(positiveInt("nullable value must be an integer greater than zero.")),
  width: z.enum(["fixed", "full"], { error: 'enum of "fixed", "full"' }).optional(),
  auto_apply_filters: optionalNullable(z.boolean({ error: "nullable boolean" })),
  dashcards: optionalNullable(
    z
      .array(UpdatedDashboardCard, { error: "nullable value must be seq of maps in which ids are unique" })
      .refine(uniqueIds, { error: "nullable value must be seq of maps in which ids are unique" }),
  ),
  tabs: optionalNullable(
    z
      .array(UpdatedDashboardTab, { error: "nullable value must be seq of maps in which ids are unique" })
      .refine(uniqueIds, { error: "nullable value must be seq of maps in which ids are unique" }),
  ),
});

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors: Record<string, string> = {};
  const specific: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "body");
    errors[key] ??= issue.path.length > 1 ? `invalid ${key}` : issue.message;
    (specific[key] ??= []).push(
      issue.path.length > 1 ? `${issue.path.slice(1).join(".")}: ${issue.message}` : issue.message,
    );
  }
  throw schemaError(errors, specific);
}
