import assert from "node:assert/strict";
import { checkLockContract } from "../../src/metabase/lock-contract.js";
import type { Card, Dashboard } from "../../src/metabase/schemas.js";
import { appliedState } from "./applied-state.js";
import { sampleDefinitions } from "./fixtures.js";

function setup(options: { mbql5?: boolean } = {}) {
  const definitions = sampleDefinitions();
  const state = appliedState(definitions, options);
  const dashboard = structuredClone(state.details.get(10)!);
  const cards = new Map(state.lists.cards.map((c) => [c.id, structuredClone(c)]));
  return { definition: definitions.dashboards[0]!, dashboard, cards };
}

function nativeOf(card: Card): { query: string; "template-tags": Record<string, Record<string, unknown>> } {
  return (
    card.dataset_query as {
      native: { query: string; "template-tags": Record<string, Record<string, unknown>> };
    }
  ).native;
}

describe("lock contract on a read-back dashboard", () => {
  it("holds on what a correct apply leaves, in the legacy and the MBQL 5 shapes", () => {
    for (const mbql5 of [false, true]) {
      const { definition, dashboard, cards } = setup({ mbql5 });
      assert.deepEqual(checkLockContract(definition, dashboard, cards), [], `mbql5=${mbql5}`);
    }
  });

  it("fails when the lock was switched to editable in Metabase", () => {
    const { definition, dashboard, cards } = setup();
    dashboard.embedding_params = { departement: "enabled", periode: "enabled" };
    assert.deepEqual(checkLockContract(definition, dashboard, cards), [
      "le filtre « departement » doit être verrouillé, Metabase le dit enabled",
    ]);
  });

  it("fails when embedding is off or a parameter's status differs from the definition", () => {
    const { definition, dashboard, cards } = setup();
    dashboard.enable_embedding = false;
    dashboard.embedding_params = { departement: "locked", periode: "disabled" };
    assert.deepEqual(checkLockContract(definition, dashboard, cards), [
      "l'intégration (embedding) n'est pas activée sur le tableau de bord",
      "le filtre « periode » devrait être enabled dans l'intégration, Metabase le dit disabled",
    ]);
  });

  it("fails when a parameter takes its list from a card, which Metabase runs without the embed's locks", () => {
    const { definition, dashboard, cards } = setup();
    const periode = dashboard.parameters.find(
      (p): p is Record<string, unknown> =>
        typeof p === "object" && p !== null && "slug" in p && p.slug === "periode",
    )!;
    Object.assign(periode, {
      values_query_type: "list",
      values_source_type: "card",
      values_source_config: { card_id: 2, value_field: ["field", "nom_structure", null] },
    });
    assert.deepEqual(checkLockContract(definition, dashboard, cards), [
      "le filtre « periode » tire ses valeurs d'une question (values_source_type: card), que Metabase exécute sans les verrous de l'intégration : la liste montrerait des valeurs hors du périmètre",
    ]);
  });

  it("fails when a card is not wired to the locked parameter", () => {
    const { definition, dashboard, cards } = setup();
    dashboard.dashcards[1]!.parameter_mappings = [];
    assert.deepEqual(checkLockContract(definition, dashboard, cards), [
      "la carte « Structures » (#2) n'est pas reliée au filtre verrouillé « departement »",
    ]);
  });

  it("fails when the wired tag is optional, inside [[ ]], missing from the SQL, or undeclared", () => {
    const notRequired = setup();
    nativeOf(notRequired.cards.get(2)!)["template-tags"].departement!.required = false;
    assert.deepEqual(checkLockContract(notRequired.definition, notRequired.dashboard, notRequired.cards), [
      "la variable {{departement}} de la carte « Structures » (#2) (filtre « departement ») n'est pas obligatoire",
    ]);

    const optional = setup();
    nativeOf(optional.cards.get(1)!).query =
      "SELECT 1 FROM t WHERE true [[AND {{departement}}]] [[AND {{periode}}]]";
    assert.deepEqual(checkLockContract(optional.definition, optional.dashboard, optional.cards), [
      "la variable {{departement}} (filtre « departement ») est dans une clause optionnelle [[ … ]] de la carte « Candidatures par mois » (#1)",
    ]);

    const commented = setup();
    nativeOf(commented.cards.get(2)!).query = "SELECT * FROM t -- WHERE d IN ({{departement}})";
    assert.deepEqual(checkLockContract(commented.definition, commented.dashboard, commented.cards), [
      "la variable {{departement}} (filtre « departement ») n'apparaît pas dans le SQL de la carte « Structures » (#2)",
    ]);

    const undeclared = setup();
    delete nativeOf(undeclared.cards.get(2)!)["template-tags"].departement;
    assert.deepEqual(checkLockContract(undeclared.definition, undeclared.dashboard, undeclared.cards), [
      "la carte « Structures » (#2) relie « departement » à la variable {{departement}}, qu'elle ne déclare pas",
    ]);
  });

  it("fails when an editable parameter acts on the locked field", () => {
    const { definition, dashboard, cards } = setup();
    const periode = dashboard.parameters.find((p) => (p as { slug: string }).slug === "periode") as {
      id: string;
    };
    // The editable "periode" filter rewired to the locked tag: a viewer could widen the territory.
    const mappings = dashboard.dashcards[0]!.parameter_mappings as Array<{
      parameter_id: string;
      target: unknown;
    }>;
    mappings.find((m) => m.parameter_id === periode.id)!.target = [
      "dimension",
      ["template-tag", "departement"],
    ];
    assert.deepEqual(checkLockContract(definition, dashboard, cards), [
      "le filtre modifiable « periode » agit sur la carte « Candidatures par mois » (#1) par la même variable ou le même champ qu'un filtre verrouillé",
    ]);
  });

  it("fails when the locked parameter is gone, or a card is unreadable", () => {
    const gone = setup();
    gone.dashboard.parameters = gone.dashboard.parameters.filter(
      (p) => (p as { slug: string }).slug !== "departement",
    );
    assert.deepEqual(checkLockContract(gone.definition, gone.dashboard, gone.cards), [
      "le filtre verrouillé « departement » n'existe pas sur le tableau de bord",
    ]);
    const unreadable = setup();
    unreadable.cards.delete(2);
    assert.deepEqual(checkLockContract(unreadable.definition, unreadable.dashboard, unreadable.cards), [
      "la carte #2 n'est pas une question SQL lisible : impossible de vérifier ses verrous",
    ]);
  });

  it("ignores text cards, which show no data", () => {
    const { definition, dashboard, cards } = setup();
    const text = { ...dashboard.dashcards[0]!, id: 99, card_id: null, parameter_mappings: [] };
    const withText: Dashboard = { ...dashboard, dashcards: [...dashboard.dashcards, text] };
    assert.deepEqual(checkLockContract(definition, withText, cards), []);
  });
});
