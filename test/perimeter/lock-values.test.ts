import assert from "node:assert/strict";
import {
  EmptyLockError,
  describePerimeter,
  lockValue,
  lockValues,
  requiredLockValues,
} from "../../src/perimeter/lock-values.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";

const IDF = ["75", "77", "78", "91", "92", "93", "94", "95"];

describe("lock values", () => {
  it("fills every attribute a département perimeter provides, never its région", () => {
    assert.deepEqual(lockValues({ departements: ["93"], region: "11" }), {
      departements: ["93"],
      departement_labels: ["93 - Seine-Saint-Denis"],
    });
  });

  it("signs a région only for a perimeter that is exactly that région, in any order", () => {
    assert.equal(lockValue({ departements: IDF, region: "11" }, "region"), "Île-de-France");
    assert.equal(lockValue({ departements: [...IDF].reverse(), region: "11" }, "region"), "Île-de-France");
    assert.deepEqual(lockValues({ departements: IDF, region: "11" }), {
      departements: IDF,
      departement_labels: IDF.map((code) => lockValue({ departements: [code] }, "departement_labels")[0]),
      region: "Île-de-France",
    });
  });

  it("makes national scope the explicit list of all 101 départements", () => {
    const values = lockValues({ departements: ALL_DEPARTEMENT_CODES });
    assert.equal((values.departements as string[]).length, 101);
    assert.equal((values.departement_labels as string[]).length, 101);
    assert.ok((values.departement_labels as string[]).includes("2A - Corse-du-Sud"));
    assert.equal(values.region, undefined);
  });

  it("gives structures, network and organisation as strings", () => {
    assert.deepEqual(lockValues({ reseau: 4, structures: [1001, 1004] }), {
      reseau: "4",
      structures: ["1001", "1004"],
    });
    assert.deepEqual(lockValues({ organisation: 2, departements: ["69"] }), {
      organisation: "2",
      departements: ["69"],
      departement_labels: ["69 - Rhône"],
    });
  });

  const empty: Array<[string, Parameters<typeof lockValue>[0], Parameters<typeof lockValue>[1]]> = [
    ["an empty département list", { departements: [] }, "departements"],
    ["no département at all", {}, "departements"],
    ["labels without départements", { departements: [] }, "departement_labels"],
    ["an unknown département code", { departements: ["20"] }, "departement_labels"],
    ["an empty structure list", { structures: [] }, "structures"],
    ["a missing network", { structures: [1] }, "reseau"],
    ["a missing organisation", { departements: ["33"] }, "organisation"],
    ["a missing région", { departements: ["33"] }, "region"],
    ["an unknown région", { departements: ["33"], region: "99" }, "region"],
    // A DDETS carries its région's code: a région lock would show it the whole région (issue 15).
    ["the région of a single département", { departements: ["93"], region: "11" }, "region"],
    ["a région missing one of its départements", { departements: IDF.slice(1), region: "11" }, "region"],
    ["a région and a département outside it", { departements: [...IDF, "13"], region: "11" }, "region"],
    ["a région without départements", { region: "11" }, "region"],
    // Bassins and EPCI are worked out per request (issue 19): a warehouse that did not answer leaves them out.
    ["départements whose bassins were not worked out", { departements: ["93"] }, "bassins"],
    ["an empty bassin list", { departements: ["93"], bassins: [] }, "bassins"],
    ["a département whose EPCI were not worked out", { departements: ["93"] }, "epci"],
    ["an empty EPCI list", { departements: ["93"], epci: [] }, "epci"],
    ["an attribute the code does not know", { departements: ["33"] }, "commune" as never],
  ];
  for (const [name, perimeter, attribute] of empty) {
    it(`refuses ${name} (never an empty lock)`, () => {
      assert.throws(
        () => lockValue(perimeter, attribute),
        (error: unknown) =>
          error instanceof EmptyLockError && error.status === 403 && error.attribute === attribute,
      );
    });
  }

  it("requires every lock a dashboard declares", () => {
    const perimeter = { departements: IDF, region: "11" };
    assert.deepEqual(
      requiredLockValues(perimeter, [
        { slug: "departement", attribute: "departements" },
        { slug: "region", attribute: "region" },
      ]),
      { departement: IDF, region: "Île-de-France" },
    );
    assert.throws(
      () => requiredLockValues(perimeter, [{ slug: "structure", attribute: "structures" }]),
      EmptyLockError,
    );
    assert.throws(
      () =>
        requiredLockValues({ departements: ["93"], region: "11" }, [{ slug: "region", attribute: "region" }]),
      EmptyLockError,
    );
  });

  it("describes a perimeter in French for page titles", () => {
    assert.equal(describePerimeter({ departements: ["93"], region: "11" }, 101), "93 - Seine-Saint-Denis");
    assert.equal(
      describePerimeter(
        { departements: ["75", "77", "78", "91", "92", "93", "94", "95"], region: "11" },
        101,
      ),
      "Île-de-France",
    );
    assert.equal(describePerimeter({ departements: ALL_DEPARTEMENT_CODES }, 101), "France entière");
    assert.equal(describePerimeter({ structures: [1, 2] }, 101), "vos 2 structures");
    assert.equal(describePerimeter({ structures: [1] }, 101), "votre structure");
    assert.equal(
      describePerimeter({ reseau: 4, structures: [1, 2, 3] }, 101),
      "les 3 structures adhérentes du réseau",
    );
    assert.equal(describePerimeter({ departements: ["72", "53"] }, 101), "72, 53");
  });
});
