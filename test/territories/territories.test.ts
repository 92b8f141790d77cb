import assert from "node:assert/strict";
import {
  ALL_DEPARTEMENT_CODES,
  DEPARTEMENTS,
  REGIONS,
  findDepartement,
  findRegion,
} from "../../src/territories/territories.js";

describe("territories", () => {
  it("has the 101 départements and the 18 régions of the service", () => {
    assert.equal(DEPARTEMENTS.length, 101);
    assert.equal(REGIONS.length, 18);
    assert.ok(ALL_DEPARTEMENT_CODES.includes("2A") && ALL_DEPARTEMENT_CODES.includes("2B"));
    assert.ok(!ALL_DEPARTEMENT_CODES.includes("20"));
    assert.deepEqual(
      ALL_DEPARTEMENT_CODES.filter((c) => c.length === 3),
      ["971", "972", "973", "974", "976"],
    );
  });

  it("labels départements the way locked filters expect", () => {
    assert.deepEqual(findDepartement("93"), {
      code: "93",
      nom: "Seine-Saint-Denis",
      libelle: "93 - Seine-Saint-Denis",
      codeRegion: "11",
    });
  });

  it("lists the départements of a région", () => {
    assert.deepEqual(findRegion("11"), {
      code: "11",
      nom: "Île-de-France",
      departements: ["75", "77", "78", "91", "92", "93", "94", "95"],
    });
    assert.deepEqual(findRegion("94")?.departements, ["2A", "2B"]);
    assert.equal(findRegion("975"), undefined);
  });
});
