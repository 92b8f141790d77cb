import { PROFILE_KINDS } from "../perimeter/placement.js";
import { MULTI_VALUE_ATTRIBUTES } from "./load.js";
import { line, type Problems } from "./problems.js";
import { isListPosition, lineInSql, tagUses } from "./tag-uses.js";
import type { Dashboard, ProfileKind, Question } from "./types.js";

/**
 * The lock contract (PRODUCT.md §3, invariant 3): every card of a dashboard with a locked parameter wired
 * to it through a required tag outside any optional clause, one attribute per question tag across
 * dashboards, and profile kinds that provide only the attributes their scope can fill.
 */

export function validateLocks(
  d: Dashboard,
  questions: Map<string, Question>,
  kinds: Map<string, ProfileKind>,
  out: Problems,
) {
  const lines = d.location.lines;
  d.parameters.forEach((p, index) => {
    const attribute = p.locked;
    if (!attribute) return;
    const at = line(lines, `parameters.${index}`);
    const lockedAt = line(lines, `parameters.${index}.locked`, at);
    if (d.public) {
      out.add(
        "lock.public",
        d.file,
        lockedAt,
        `Un tableau de bord public ne peut pas avoir de paramètre verrouillé (« ${p.slug} ») : il s'ouvre sans connexion, donc sans périmètre.`,
        "Retirez « public: true » et déclarez ses audiences, ou retirez le verrou.",
      );
    }
    if (
      (p.locked === "departements" ||
        p.locked === "departement_labels" ||
        p.locked === "region" ||
        p.locked === "bassins" ||
        p.locked === "epci") &&
      p.type !== "text"
    ) {
      out.add(
        "lock.attribute-type",
        d.file,
        lockedAt,
        `« ${p.slug} » est verrouillé sur « ${p.locked} », une valeur texte : son type doit être « text ».`,
        "Passez le paramètre en « type: text ».",
      );
    }
    if (
      (attribute === "bassins" || attribute === "epci") &&
      !d.parameters.some((x) => x.locked === "departements" || x.locked === "departement_labels")
    ) {
      // A bassin or an EPCI may straddle départements: only the département lock, on every card beside
      // it, keeps its part outside the perimeter out (PRODUCT.md §3, invariant 1: never wider).
      out.add(
        "lock.territory-without-departement",
        d.file,
        lockedAt,
        `« ${p.slug} » est verrouillé sur « ${attribute} » sans verrou sur les départements : un territoire à cheval sur plusieurs départements montrerait sa part hors du périmètre.`,
        "Ajoutez un paramètre verrouillé sur « departements » (ou « departement_labels ») relié à chaque carte.",
      );
    }
    for (const kindKey of d.audiences) {
      const kind = kinds.get(kindKey);
      if (kind && attribute === "region" && kind.scope !== "region") {
        // Every perimeter carries the code of the région it lies in; only a whole région may see it.
        out.add(
          "lock.region-scope",
          d.file,
          lockedAt,
          `« ${p.slug} » est verrouillé sur « region » mais le profil « ${kindKey} » de l'audience ne couvre pas une région entière (portée : ${kind.scope}) : il verrait toute sa région.`,
          `Retirez « ${kindKey} » de l'audience, ou verrouillez « ${p.slug} » sur « departements » ou « departement_labels ».`,
        );
        continue;
      }
      if (kind && !kind.provides.includes(attribute)) {
        out.add(
          "lock.audience-cannot-provide",
          d.file,
          lockedAt,
          `Le profil « ${kindKey} » est dans l'audience mais son périmètre ne fournit pas « ${p.locked} » (il fournit : ${kind.provides.join(", ") || "rien"}).`,
          `Retirez « ${kindKey} » de l'audience, ou verrouillez « ${p.slug} » sur un attribut que tous les profils de l'audience fournissent.`,
        );
      }
    }
    d.cards.forEach((card, i) => {
      const cardAt = line(lines, `cards.${i}`);
      const tag = card.mappings[p.slug];
      if (tag === undefined) {
        out.add(
          "lock.not-wired",
          d.file,
          cardAt,
          `La carte ${i + 1} (« ${card.question} ») n'est pas reliée au paramètre verrouillé « ${p.slug} » : elle montrerait les données de tous les territoires.`,
          `Ajoutez « ${p.slug}: <tag> » à ses « mappings », vers un tag obligatoire de la question.`,
        );
        return;
      }
      const question = questions.get(card.question);
      const qp = question?.parameters.find((x) => x.tag === tag);
      if (!question || !qp) return; // Reported as an unknown question or tag.
      const mapAt = line(lines, `cards.${i}.mappings.${p.slug}`, cardAt);
      if (!qp.required) {
        out.add(
          "lock.tag-not-required",
          question.file,
          line(question.location.lines, `parameters.${tag}`),
          `Le tag « ${tag} » reçoit le paramètre verrouillé « ${p.slug} » (${d.file}) mais n'est pas obligatoire : sans valeur, le filtre disparaîtrait.`,
          `Ajoutez « required: true » à « ${tag} ».`,
        );
      }
      if (qp.default !== undefined) {
        out.add(
          "lock.tag-default",
          question.file,
          line(
            question.location.lines,
            `parameters.${tag}.default`,
            line(question.location.lines, `parameters.${tag}`),
          ),
          `Le tag « ${tag} » reçoit le paramètre verrouillé « ${p.slug} » (${d.file}) mais a une valeur par défaut, qui s'appliquerait en l'absence de périmètre.`,
          `Supprimez la valeur par défaut de « ${tag} ».`,
        );
      }
      // What the sync's read-back refuses (lock-contract.ts), refused here first: an editable filter on
      // the column a lock filters lets the viewer widen what the lock narrows.
      if (qp.type === "field filter" && qp.column) {
        for (const [otherSlug, otherTag] of Object.entries(card.mappings)) {
          if (otherSlug === p.slug || d.parameters.find((x) => x.slug === otherSlug)?.locked) continue;
          const other = question.parameters.find((x) => x.tag === otherTag);
          if (other?.type !== "field filter" || other.column !== qp.column) continue;
          out.add(
            "lock.editable-same-column",
            d.file,
            line(lines, `cards.${i}.mappings.${otherSlug}`, cardAt),
            `La carte ${i + 1} relie le filtre modifiable « ${otherSlug} » à « ${otherTag} », sur la colonne ${qp.column} que le verrou « ${p.slug} » filtre déjà : la personne pourrait élargir ce que le verrou restreint.`,
            `Retirez « ${otherSlug} » de cette carte, ou faites-le porter sur une autre colonne.`,
          );
        }
      }
      const uses = tagUses(question).filter((u) => u.name === tag);
      if (question.template && uses.length === 0) {
        out.add(
          "lock.tag-unused",
          d.file,
          mapAt,
          `Le paramètre verrouillé « ${p.slug} » alimente « ${tag} », que le SQL de « ${question.key} » n'utilise pas : rien ne serait filtré.`,
          `Utilisez {{${tag}}} dans le WHERE de ${question.file}.`,
        );
      }
      for (const use of uses.filter((u) => u.optional)) {
        out.add(
          "lock.tag-optional",
          question.file,
          lineInSql(question, use.offset),
          `{{${tag}}} reçoit le paramètre verrouillé « ${p.slug} » (${d.file}) mais se trouve dans une clause optionnelle [[ … ]], qui disparaît sans valeur.`,
          `Sortez {{${tag}}} de la clause [[ … ]] : un filtre verrouillé s'applique toujours.`,
        );
      }
      if (MULTI_VALUE_ATTRIBUTES.has(attribute) && qp.type !== "field filter") {
        for (const use of uses.filter((u) => !isListPosition(u))) {
          out.add(
            "lock.multi-value-equals",
            question.file,
            lineInSql(question, use.offset),
            `{{${tag}}} reçoit « ${p.locked} », une liste (verrou « ${p.slug} » de ${d.file}) : Metabase l'écrit « $1, $2, … », invalide ici.`,
            `Écrivez « colonne IN ({{${tag}}}) », ou déclarez « ${tag} » en filtre de champ (« type: field filter » avec « column: schema.table.colonne »).`,
          );
        }
      }
    });
  });
}

/**
 * A question tag locked by several dashboards takes the value of each (question-access.ts): locked from
 * two attributes, one profile would get two values and the export could not choose. Refused here, before
 * anyone opens either dashboard.
 */
export function validateLockSources(dashboards: Dashboard[], out: Problems) {
  const sources = new Map<string, Array<{ d: Dashboard; card: number; slug: string; attribute: string }>>();
  for (const d of dashboards) {
    d.cards.forEach((card, i) => {
      for (const [slug, tag] of Object.entries(card.mappings)) {
        const attribute = d.parameters.find((p) => p.slug === slug)?.locked;
        if (!attribute) continue;
        const key = `${card.question}\u0000${tag}`;
        sources.set(key, [...(sources.get(key) ?? []), { d, card: i, slug, attribute }]);
      }
    });
  }
  for (const [key, uses] of sources) {
    const [question, tag] = key.split("\u0000") as [string, string];
    const first = uses[0]!;
    const reported = new Set<string>();
    for (const use of uses.slice(1)) {
      if (use.attribute === first.attribute || reported.has(use.d.file)) continue;
      reported.add(use.d.file);
      out.add(
        "lock.conflicting-attributes",
        use.d.file,
        line(
          use.d.location.lines,
          `cards.${use.card}.mappings.${use.slug}`,
          line(use.d.location.lines, `cards.${use.card}`),
        ),
        `Le tag « ${tag} » de la question « ${question} » est verrouillé sur « ${use.attribute} » ici, mais sur « ${first.attribute} » par ${first.d.file} : une même personne recevrait deux valeurs verrouillées pour ce tag.`,
        `Verrouillez « ${tag} » sur le même attribut dans les deux tableaux de bord, ou utilisez un autre tag de la question.`,
      );
    }
  }
}

/**
 * Scopes whose perimeter is a list of départements, from which the bassins and EPCI are worked out (an
 * EPCI lock needs one département: multi-département viewers choose one first, docs/security.md).
 */
const TERRITORIAL_SCOPES: ReadonlySet<string> = new Set(["departement", "region", "national", "safir"]);

export function validateProfileKinds(kinds: ProfileKind[], out: Problems) {
  const known = new Set<string>(PROFILE_KINDS);
  for (const kind of kinds) {
    if (kind.provides.includes("region") && kind.scope !== "region") {
      out.add(
        "profile-kind.region-scope",
        kind.location.file,
        line(kind.location.lines, `profile_kinds.${kind.key}.provides`, kind.location.line),
        `Le type de profil « ${kind.key} » fournit « region » sans couvrir une région entière (portée : ${kind.scope}) : un verrou sur la région lui montrerait toute sa région.`,
        "Retirez « region » de « provides » : seuls les profils de portée « region » la fournissent.",
      );
    }
    const finer = kind.provides.filter((a) => a === "bassins" || a === "epci");
    if (finer.length > 0 && !TERRITORIAL_SCOPES.has(kind.scope)) {
      out.add(
        "profile-kind.territory-scope",
        kind.location.file,
        line(kind.location.lines, `profile_kinds.${kind.key}.provides`, kind.location.line),
        `Le type de profil « ${kind.key} » fournit ${finer.map((a) => `« ${a} »`).join(" et ")} mais son périmètre n'est pas un territoire (portée : ${kind.scope}) : ses bassins et EPCI se déduisent de ses départements.`,
        `Retirez-les de « provides » : seules les portées ${[...TERRITORIAL_SCOPES].join(", ")} les fournissent.`,
      );
    }
    if (!known.has(kind.key)) {
      out.add(
        "profile-kind.unknown",
        kind.location.file,
        kind.location.line,
        `Type de profil « ${kind.key} » inconnu de la passerelle, qui ne saurait y placer personne.`,
        `Types possibles : ${PROFILE_KINDS.join(", ")}.`,
      );
    }
  }
  const present = new Set(kinds.map((k) => k.key));
  const file = kinds[0]?.location.file;
  for (const key of PROFILE_KINDS) {
    if (file && !present.has(key)) {
      out.add(
        "profile-kind.missing",
        file,
        1,
        `Le type de profil « ${key} » n'est pas décrit.`,
        "Ajoutez-le sous « profile_kinds: » avec son label, sa règle de portée et ce qu'il fournit.",
      );
    }
  }
}
