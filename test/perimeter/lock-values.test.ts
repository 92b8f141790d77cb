import assert from "node:assert/strict";
import {
  EmptyLockError,
  describePerimeter,
  lockValue,
  lockValues,
  requiredLockValues,
} from "../../src/perimeter/lock-values.js";
import { ALL_DEPARTEMENT_CODES } from "../../src/territories/territories.js";

describe("lock values", () => {
  it("fills every attribute a département perimeter provides", () => {
    assert.deepEqual(lockValues({ departements: ["93"], region: "11" }), {
      departements: ["93"],
      departement_labels: ["93 - Seine-Saint-Denis"],
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
    const perimeter = { departements: ["93"], region: "11" };
    assert.deepEqual(
      requiredLockValues(perimeter, [
        { slug: "departement", attribute: "departements" },
        { slug: "region", attribute: "region" },
      ]),
      { departement: ["93"], region: "Île-de-France" },
    );
    assert.throws(
      () => requiredLockValues(perimeter, [{ slug: "structure", attribute: "structures" }]),
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
