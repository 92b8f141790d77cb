import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { PROJECT_ROOT } from "../project-root.js";

/**
 * The publisher's facts for the legal pages (content/mentions-legales.yaml): who publishes, who hosts,
 * who is responsible for the personal data. None has a default: what the file leaves null is shown as
 * « à compléter » and listed by `missingLegalFacts`, never made up.
 */
export const LEGAL_CONTENT_FILE = "content/mentions-legales.yaml";

const fact = z.string().trim().min(1).nullable().default(null);

const LegalContentSchema = z.strictObject({
  editeur: z.strictObject({ nom: fact, adresse: fact, telephone: fact }),
  directeur_de_la_publication: fact,
  hebergeur: z.strictObject({ nom: fact, adresse: fact, telephone: fact }),
  donnees_personnelles: z.strictObject({
    responsable_de_traitement: fact,
    delegue_protection_donnees: fact,
    base_legale: fact,
  }),
});

export type LegalContent = z.infer<typeof LegalContentSchema>;

/** Every fact the pages show, with its French name, in page order. */
export function legalFacts(content: LegalContent): Array<{ label: string; value: string | null }> {
  return [
    { label: "nom de l'éditeur", value: content.editeur.nom },
    { label: "adresse de l'éditeur", value: content.editeur.adresse },
    { label: "directeur ou directrice de la publication", value: content.directeur_de_la_publication },
    { label: "nom de l'hébergeur", value: content.hebergeur.nom },
    { label: "adresse de l'hébergeur", value: content.hebergeur.adresse },
    { label: "téléphone de l'hébergeur", value: content.hebergeur.telephone },
    {
      label: "responsable de traitement des données personnelles",
      value: content.donnees_personnelles.responsable_de_traitement,
    },
    {
      label: "contact du délégué à la protection des données",
      value: content.donnees_personnelles.delegue_protection_donnees,
    },
    { label: "base légale du traitement", value: content.donnees_personnelles.base_legale },
  ];
}

/** What the publisher has not given yet (the publisher's telephone is optional: an e-mail may replace it). */
export function missingLegalFacts(content: LegalContent): string[] {
  return legalFacts(content)
    .filter((f) => f.value === null)
    .map((f) => f.label);
}

export function loadLegalContent(root = PROJECT_ROOT): LegalContent {
  const file = path.join(root, LEGAL_CONTENT_FILE);
  const parsed = LegalContentSchema.safeParse(YAML.parse(fs.readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new Error(
      `${LEGAL_CONTENT_FILE} est invalide : ${parsed.error.issues.map((i) => `${i.path.join(".")} : ${i.message}`).join(" ; ")}. Corrigez-le (format : docs/legal.md).`,
    );
  }
  return parsed.data;
}
