import assert from "node:assert/strict";
import type { Request } from "express";
import fc from "fast-check";
import { BadRequestError } from "../../src/errors.js";
import { lockValue, type Perimeter } from "../../src/perimeter/lock-values.js";
import {
  effectivePerimeter,
  readTerritoryChoice,
  type TerritoryChoice,
} from "../../src/perimeter/narrowing.js";
import { withTerritories } from "../../src/perimeter/narrowed-profile.js";
import { territoryReference } from "../../src/territories/reference.js";
import { ALL_DEPARTEMENT_CODES, findRegion } from "../../src/territories/territories.js";

/**
 * Narrowing (PRODUCT.md §3, invariant 1 as amended): whatever a request chooses, the locks come from
 * `chosen ∩ perimeter` — never wider, never empty — or the request is a 400.
 */
const IDF = findRegion("11")!.departements;
const reference = territoryReference(
  [
    { code: "9301", nom: "Bassin de Montreuil", departements: ["93"] },
    // Straddles the 93 and the 94, as real bassins and 89 EPCI do.
    { code: "9302", nom: "Bassin d'Aulnay-sous-Bois", departements: ["93", "94"] },
    { code: "9303", nom: "Bassin de Saint-Denis", departements: ["93"] },
    { code: "9401", nom: "Bassin de Créteil", departements: ["94"] },
    { code: "7501", nom: "Bassin de Paris", departements: ["75"] },
    { code: "6901", nom: "Bassin de Lyon", departements: ["69"] },
  ],
  [
    { code: "200054781", nom: "Métropole du Grand Paris", departements: ["75", "92", "93", "94"] },
    { code: "200057875", nom: "Paris Terres d'Envol", departements: ["93"] },
    { code: "200046977", nom: "Métropole de Lyon", departements: ["69"] },
  ],
);
const DDETS_93: Perimeter = { departements: ["93"], region: "11" };
const DREETS_IDF: Perimeter = { departements: [...IDF], region: "11" };
const EMPLOYER: Perimeter = { structures: [1001, 1002] };

function refusal(fn: () => unknown, message: string, parameter: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof BadRequestError);
    assert.equal(error.status, 400);
    assert.equal(error.publicMessage, message);
    assert.deepEqual(error.details, { parameter });
    return true;
  });
}

describe("narrowing inside the perimeter", () => {
  it("without a choice, completes the perimeter with all its bassins, and its EPCI for one département", () => {
    assert.deepEqual(effectivePerimeter(DDETS_93, reference), {
      departements: ["93"],
      region: "11",
      bassins: ["9302", "9301", "9303"],
      epci: ["200054781", "200057875"],
    });
    // Several départements: every bassin of them, and no EPCI lock (it needs one département).
    assert.deepEqual(effectivePerimeter(DREETS_IDF, reference), {
      departements: [...IDF],
      region: "11",
      bassins: ["9302", "9401", "9301", "7501", "9303"],
    });
  });

  it("narrows a DREETS to the 93, then to a bassin of the 93, each lock exactly that subset", () => {
    const to93 = effectivePerimeter(DREETS_IDF, reference, { departement: "93" });
    assert.deepEqual(lockValue(to93, "departements"), ["93"]);
    assert.deepEqual(lockValue(to93, "departement_labels"), ["93 - Seine-Saint-Denis"]);
    assert.deepEqual(lockValue(to93, "bassins"), ["9302", "9301", "9303"]);
    assert.deepEqual(lockValue(to93, "epci"), ["200054781", "200057875"]);
    // The région lock would show the whole région: a narrowed perimeter cannot fill it.
    assert.throws(() => lockValue(to93, "region"), /ne permet pas/);

    const toBassin = effectivePerimeter(DREETS_IDF, reference, { departement: "93", bassin: "9301" });
    assert.deepEqual(
      [lockValue(toBassin, "departements"), lockValue(toBassin, "bassins")],
      [["93"], ["9301"]],
    );
    const toEpci = effectivePerimeter(DREETS_IDF, reference, { departement: "93", epci: "200057875" });
    assert.deepEqual(lockValue(toEpci, "epci"), ["200057875"]);
  });

  it("keeps the département lock on a straddling bassin: only its part inside the perimeter", () => {
    const ddets94 = effectivePerimeter({ departements: ["94"], region: "11" }, reference, { bassin: "9302" });
    assert.deepEqual([ddets94.departements, ddets94.bassins], [["94"], ["9302"]]);
    const dreets = effectivePerimeter(DREETS_IDF, reference, { bassin: "9302" });
    assert.deepEqual([dreets.departements, dreets.bassins], [[...IDF], ["9302"]]);
  });

  it("refuses, in French, any choice outside the perimeter or out of order", () => {
    refusal(
      () => effectivePerimeter(DREETS_IDF, reference, { departement: "69" }),
      "Le département 69 - Rhône n'est pas dans votre périmètre : choisissez l'un des vôtres.",
      "departement",
    );
    refusal(
      () => effectivePerimeter(DDETS_93, reference, { bassin: "9401" }),
      "Le bassin d'emploi Bassin de Créteil n'est pas dans votre périmètre.",
      "bassin",
    );
    refusal(
      () => effectivePerimeter(DREETS_IDF, reference, { departement: "93", bassin: "7501" }),
      "Le bassin d'emploi Bassin de Paris n'est pas dans ce département.",
      "bassin",
    );
    refusal(
      () => effectivePerimeter(DREETS_IDF, reference, { epci: "200057875" }),
      "Choisissez d'abord un département : un EPCI se choisit dans un département.",
      "epci",
    );
    refusal(
      () => effectivePerimeter(DDETS_93, reference, { epci: "200046977" }),
      "L'EPCI Métropole de Lyon n'est pas dans ce département.",
      "epci",
    );
    refusal(
      () => effectivePerimeter(EMPLOYER, reference, { departement: "93" }),
      "Le département 93 - Seine-Saint-Denis n'est pas dans votre périmètre : choisissez l'un des vôtres.",
      "departement",
    );
  });

  it("gives a perimeter without départements no bassin nor EPCI at all, never an empty list", () => {
    assert.deepEqual(effectivePerimeter(EMPLOYER, reference), { structures: [1001, 1002] });
    assert.throws(() => lockValue(effectivePerimeter(EMPLOYER, reference), "bassins"), /ne permet pas/);
  });

  it("reads the choice from the address: one value each, in the right format, empty meaning none", () => {
    assert.deepEqual(readTerritoryChoice({ departement: "93", bassin: "9302", autre: "x" }), {
      departement: "93",
      bassin: "9302",
    });
    assert.deepEqual(readTerritoryChoice({ departement: "", epci: " " }), {});
    assert.deepEqual(readTerritoryChoice({ departement: "2A", epci: "200054781" }), {
      departement: "2A",
      epci: "200054781",
    });
    refusal(
      () => readTerritoryChoice({ departement: ["93", "75"] }),
      "« departement » ne prend qu'une valeur.",
      "departement",
    );
    refusal(
      () => readTerritoryChoice({ departement: "93,75" }),
      "« 93,75 » n'est pas un code de département.",
      "departement",
    );
    refusal(
      () => readTerritoryChoice({ epci: "Grand Paris" }),
      "« Grand Paris » n'est pas un code d'EPCI.",
      "epci",
    );
    refusal(
      () => readTerritoryChoice({ bassin: { code: "9302" } }),
      "« bassin » ne prend qu'une valeur.",
      "bassin",
    );
  });

  it("never widens nor empties, whatever the perimeter and the choice (property)", () => {
    const departements = fc.subarray([...ALL_DEPARTEMENT_CODES], { minLength: 1 });
    const choice = fc.record(
      {
        departement: fc.constantFrom(...ALL_DEPARTEMENT_CODES),
        bassin: fc.constantFrom(...reference.bassins.map((b) => b.code)),
        epci: fc.constantFrom(...reference.epcis.map((e) => e.code)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(departements, choice, (own, chosen: TerritoryChoice) => {
        let result: Perimeter;
        try {
          result = effectivePerimeter({ departements: own }, reference, chosen);
        } catch (error) {
          assert.ok(error instanceof BadRequestError, String(error));
          return;
        }
        const locked = lockValue(result, "departements");
        assert.ok(locked.length > 0 && [...locked].every((d) => own.includes(d)), "départements within");
        if (chosen.departement) assert.deepEqual(locked, [chosen.departement]);
        const inside = reference.bassinsOf(own).map((b) => b.code);
        for (const attribute of ["bassins", "epci"] as const) {
          if (result[attribute] === undefined) continue;
          assert.ok(result[attribute]!.length > 0, `${attribute} never []`);
        }
        assert.ok(
          (result.bassins ?? []).every((b) => inside.includes(b)),
          "bassins within",
        );
        for (const epci of result.epci ?? []) {
          assert.ok(reference.epci(epci)!.departements.includes(locked[0]!), "EPCI within its département");
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("completed perimeters shared between requests", () => {
  const requestWith = (ref: typeof reference | undefined) => ({ territoryReference: ref }) as Request;

  it("completes each stored perimeter once per reference, by content, and freezes what it shares", () => {
    // Each request reads its session anew: equal perimeters, distinct objects.
    const first = withTerritories({ departements: ["93"], region: "11" }, requestWith(reference));
    const second = withTerritories({ departements: ["93"], region: "11" }, requestWith(reference));
    assert.equal(second, first);
    assert.deepEqual(first, effectivePerimeter(DDETS_93, reference));
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.epci) && Object.isFrozen(first.bassins));
    assert.throws(() => (first.departements as string[]).push("94"), TypeError);

    // Another perimeter, or another reference (a new load), is completed anew.
    const dreets = withTerritories({ departements: [...IDF], region: "11" }, requestWith(reference));
    assert.notEqual(dreets, first);
    assert.deepEqual(dreets, effectivePerimeter(DREETS_IDF, reference));
    const newer = territoryReference([...reference.bassins], [...reference.epcis]);
    const again = withTerritories({ departements: ["93"], region: "11" }, requestWith(newer));
    assert.notEqual(again, first);
    assert.deepEqual(again, first);

    // The same stored object under a newer reference (the lean read shares a session's objects): anew.
    const storedOnce: Perimeter = { departements: ["93"], region: "11" };
    const underOld = withTerritories(storedOnce, requestWith(reference));
    const fewerEpci = territoryReference(
      [...reference.bassins],
      reference.epcis.filter((epci) => epci.code !== "200057875"),
    );
    const underNew = withTerritories(storedOnce, requestWith(fewerEpci));
    assert.notDeepEqual(underNew, underOld);
    assert.deepEqual(underNew, effectivePerimeter(storedOnce, fewerEpci));
    assert.ok(!Object.isFrozen(storedOnce.departements), "the stored perimeter itself is left as it was");

    // The whole stored perimeter is the key, not its départements alone: a DDETS and a DREETS of the same
    // département (region filled for the second only, say) never share a completion.
    const sameDepartement = withTerritories({ departements: ["93"] }, requestWith(reference));
    assert.equal(sameDepartement.region, undefined);
    assert.equal(
      withTerritories({ departements: ["93"], region: "11" }, requestWith(reference)).region,
      "11",
    );
    const employer = withTerritories({ structures: [1001] }, requestWith(reference));
    assert.deepEqual(employer, { structures: [1001] });
    assert.deepEqual(withTerritories({ structures: [1002] }, requestWith(reference)), { structures: [1002] });

    // Without a reference (the warehouse did not answer), the stored perimeter as it is.
    const stored: Perimeter = { departements: ["93"] };
    assert.equal(withTerritories(stored, requestWith(undefined)), stored);
  });
});
