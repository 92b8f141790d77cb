import { listTagUses, parseTemplate, TemplateError } from "../template/index.js";
import { dashboardEmbeddingParams, type DefinedDashboard } from "./definitions.js";
import { isRecord } from "./errors.js";
import { fieldIdOf, nativeQueryOf, templateTagTarget } from "./normalize.js";
import type { Card, Dashboard } from "./schemas.js";

/**
 * The lock contract (PRODUCT.md §3, invariant 3), checked on what Metabase returns after a write, never on
 * what the sync sent: Metabase does not guarantee that a locked parameter reaches every card (issue #59677),
 * and a UI edit can unlock a filter or unwire a card at any time.
 *
 * On the read-back dashboard and its cards:
 * - embedding is enabled and `embedding_params` is exactly what the definition says;
 * - every locked parameter exists and is `locked`;
 * - every dashcard showing a question is wired to every locked parameter, through a template tag that exists,
 *   is required, appears in the SQL, and never sits inside an optional `[[ … ]]` clause (Metabase drops an
 *   optional clause, or a field filter, when its value is missing: the card would run unfiltered);
 * - no parameter left editable acts on what a locked one restricts (the same tag, or the same field);
 * - no parameter takes its list of values from a card (`values_source_type: "card"`): Metabase runs that
 *   card for the embed without its locks, so the list would show values from outside the perimeter.
 *
 * Returns the breaches, in French; an empty list means the contract holds. Pure.
 */
export function checkLockContract(
  definition: DefinedDashboard,
  dashboard: Dashboard,
  cardsById: ReadonlyMap<number, Card>,
): string[] {
  const problems: string[] = [];
  if (!dashboard.enable_embedding)
    problems.push("l'intégration (embedding) n'est pas activée sur le tableau de bord");

  const expected = dashboardEmbeddingParams(definition);
  const actual = dashboard.embedding_params;
  for (const slug of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    if (expected[slug] === actual[slug]) continue;
    if (expected[slug] === "locked") {
      problems.push(
        `le filtre « ${slug} » doit être verrouillé, Metabase le dit ${actual[slug] ?? "absent"}`,
      );
    } else {
      problems.push(
        `le filtre « ${slug} » devrait être ${expected[slug] ?? "absent"} dans l'intégration, Metabase le dit ${actual[slug] ?? "absent"}`,
      );
    }
  }

  const parameters = dashboard.parameters.filter(isRecord);
  for (const parameter of parameters) {
    if (parameter.values_source_type === "card") {
      problems.push(
        `le filtre « ${String(parameter.slug)} » tire ses valeurs d'une question (values_source_type: card), que Metabase exécute sans les verrous de l'intégration : la liste montrerait des valeurs hors du périmètre`,
      );
    }
  }
  const lockedSlugs = definition.parameters.filter((p) => p.locked).map((p) => p.slug);
  const locked: Array<{ slug: string; id: string }> = [];
  for (const slug of lockedSlugs) {
    const parameter = parameters.find((p) => p.slug === slug);
    if (!parameter) problems.push(`le filtre verrouillé « ${slug} » n'existe pas sur le tableau de bord`);
    else locked.push({ slug, id: String(parameter.id) });
  }
  if (locked.length === 0) return problems;
  const lockedIds = new Set(locked.map((l) => l.id));

  for (const dashcard of dashboard.dashcards) {
    if (dashcard.card_id === null || dashcard.card_id === undefined) continue;
    const card = cardsById.get(dashcard.card_id);
    const label = card ? `« ${card.name} » (#${card.id})` : `#${dashcard.card_id}`;
    const native = card ? nativeQueryOf(card.dataset_query) : undefined;
    if (!card || !native) {
      problems.push(
        `la carte ${label} n'est pas une question SQL lisible : impossible de vérifier ses verrous`,
      );
      continue;
    }
    if (card.archived) problems.push(`la carte ${label} est archivée`);
    let uses: ReturnType<typeof listTagUses> | undefined;
    try {
      uses = listTagUses(parseTemplate(native.sql));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      problems.push(`le SQL de la carte ${label} ne s'analyse pas : ${error.message}`);
    }
    const mappings = dashcard.parameter_mappings.filter(isRecord);
    const lockedTags = new Set<string>();
    const lockedFields = new Set<number>();
    for (const { slug, id } of locked) {
      const wired = mappings.filter((m) => String(m.parameter_id) === id);
      if (wired.length === 0) {
        problems.push(`la carte ${label} n'est pas reliée au filtre verrouillé « ${slug} »`);
        continue;
      }
      for (const mapping of wired) {
        const target = templateTagTarget(mapping.target);
        if (!target) {
          problems.push(`la carte ${label} relie « ${slug} » à autre chose qu'une variable SQL`);
          continue;
        }
        lockedTags.add(target.tag);
        const tag = native.templateTags[target.tag];
        if (!tag) {
          problems.push(
            `la carte ${label} relie « ${slug} » à la variable {{${target.tag}}}, qu'elle ne déclare pas`,
          );
          continue;
        }
        const field = fieldIdOf(tag.dimension);
        if (field !== undefined) lockedFields.add(field);
        if (tag.required !== true) {
          problems.push(
            `la variable {{${target.tag}}} de la carte ${label} (filtre « ${slug} ») n'est pas obligatoire`,
          );
        }
        if (tag.type === "dimension" && field === undefined) {
          problems.push(`le filtre de champ {{${target.tag}}} de la carte ${label} ne désigne aucun champ`);
        }
        if (uses) {
          const found = uses.filter((u) => u.name === target.tag);
          if (found.length === 0) {
            problems.push(
              `la variable {{${target.tag}}} (filtre « ${slug} ») n'apparaît pas dans le SQL de la carte ${label}`,
            );
          } else if (found.some((u) => u.optional)) {
            problems.push(
              `la variable {{${target.tag}}} (filtre « ${slug} ») est dans une clause optionnelle [[ … ]] de la carte ${label}`,
            );
          }
        }
      }
    }
    for (const mapping of mappings) {
      const parameterId = String(mapping.parameter_id);
      if (lockedIds.has(parameterId)) continue;
      const slug = parameters.find((p) => String(p.id) === parameterId)?.slug;
      if (typeof slug !== "string" || actual[slug] !== "enabled") continue;
      const target = templateTagTarget(mapping.target);
      if (!target) continue;
      const field = fieldIdOf(native.templateTags[target.tag]?.dimension);
      if (lockedTags.has(target.tag) || (field !== undefined && lockedFields.has(field))) {
        problems.push(
          `le filtre modifiable « ${slug} » agit sur la carte ${label} par la même variable ou le même champ qu'un filtre verrouillé`,
        );
      }
    }
  }
  return problems;
}
