import { z } from "zod";

/**
 * The shapes of the questions API (`/api/questions`, `/api/questions/{key}/data`). The routes build their
 * answers as these types, the OpenAPI document (src/openapi/) is generated from these schemas, and the
 * tests parse real answers with them: one definition, three uses, so they cannot drift apart.
 */

export const EXPORT_FORMATS = ["csv", "json", "xlsx"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const QuestionParameterSchema = z.strictObject({
  tag: z.string().meta({ description: "Name of the parameter in the query string (`?tag=value`)." }),
  label: z.string().meta({ description: "French label shown to people." }),
  type: z.enum(["text", "number", "date", "field filter"]).meta({ description: "Declared type (sql/)." }),
  value_type: z.enum(["text", "number", "date", "datetime"]).meta({
    description:
      "What a value must be: a number, a day `YYYY-MM-DD` (a date field filter also takes Metabase's " +
      "ranges and relative periods: `2025-01-01~2025-03-31`, `past12months`, `thisyear`…), or text.",
  }),
  required: z.boolean(),
  multiple: z.boolean().meta({ description: "Several values allowed (repeat the parameter)." }),
  locked: z.boolean().meta({
    description:
      "Filled by the gateway from the caller's perimeter. A locked parameter in the query string is refused (400).",
  }),
  default: z.unknown().optional().meta({ description: "Value used when none is given (editable only)." }),
});

export const QuestionColumnSchema = z.strictObject({
  name: z.string().meta({
    description: "The column's key: its name in the JSON export and the header of the default CSV.",
  }),
  label: z.string().meta({ description: "French header, unique within the question." }),
  kind: z
    .enum(["count", "percentage", "euros", "etp", "days", "month", "date", "identifier", "territory", "text"])
    .meta({
      description:
        "What the values are: a count, a percentage (see `percent_scale`), euros, full-time equivalents, " +
        "days, a month (its first day, `YYYY-MM-DD`), a day, an identifier (never a quantity), a territory, or text.",
    }),
  percent_scale: z.enum(["ratio", "percent"]).optional().meta({
    description: "Percentages only: `ratio` when stored between 0 and 1, `percent` when between 0 and 100.",
  }),
  unit: z.string().optional().meta({ description: "Unit shown after the label (`jours`, `ans`…)." }),
  decimals: z.number().int().optional().meta({
    description: "Numbers only: digits after the decimal separator the pages show.",
  }),
  description: z.string().optional(),
});

export const QuestionDescriptionSchema = z.strictObject({
  key: z.string().meta({ description: "Path of the question under sql/, e.g. `iae/candidatures-par-etat`." }),
  name: z.string(),
  description: z.string(),
  content_version: z.string().meta({
    description: "Hash of the question's normalised definition: changes whenever its SQL or metadata do.",
  }),
  display: z.string().meta({ description: "Metabase display type (table, bar, line, scalar…)." }),
  parameters: z.array(QuestionParameterSchema),
  columns: z.array(QuestionColumnSchema).meta({
    description: "The columns of the data, in order, with their French labels (empty while undescribed).",
  }),
  dashboards: z
    .array(z.strictObject({ key: z.string(), title: z.string() }))
    .meta({ description: "The dashboards showing this question that the caller may open." }),
  data: z
    .strictObject({
      csv: z.string().meta({ description: "RFC 4180 CSV, the column keys as header: stable for scripts." }),
      csv_excel_fr: z.string().meta({
        description:
          "CSV for French Excel: `;`, the column labels as header, decimal comma, dates JJ/MM/AAAA.",
      }),
      json: z.string(),
      xlsx: z.string().meta({
        description:
          "Excel workbook: the labels as header, number and date formats, an « Informations » sheet.",
      }),
    })
    .meta({ description: "Paths of the exports, without editable parameters." }),
});

export const QuestionListSchema = z.strictObject({ questions: z.array(QuestionDescriptionSchema) });

export const ExportJsonSchema = z.strictObject({
  columns: z.array(z.string()),
  rows: z.array(z.array(z.unknown())).meta({ description: "One array per row, in column order." }),
  complete: z.boolean().meta({
    description:
      "False when the export failed after it started (row cap, timeout, error): the rows are then partial.",
  }),
  row_count: z.number().int().optional().meta({ description: "Present when complete." }),
  error: z.string().optional().meta({ description: "French message, present when not complete." }),
});

export const ApiErrorSchema = z.looseObject({
  error: z.string().meta({ description: "Stable code (not_found, bad_request, rate_limited…)." }),
  message: z.string().meta({ description: "French message, safe to show." }),
  requestId: z.string(),
  parameter: z.string().optional().meta({ description: "The parameter a 400 is about." }),
});
