import assert from "node:assert/strict";
import { PerimeterSchema } from "../../src/perimeter/perimeter-schema.js";

/** The perimeter as stored and received: what its comment promises, each refusal in French. */
describe("perimeter schema", () => {
  const issues = (value: unknown) => {
    const parsed = PerimeterSchema.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts a département with its région's code, a whole région, structures, a network", () => {
    for (const perimeter of [
      { departements: ["93"], region: "11" },
      { departements: ["75", "77", "78", "91", "92", "93", "94", "95"], region: "11" },
      { departements: ["2A", "971"] },
      { reseau: 4, structures: [1001, 1002] },
      { organisation: 2, departements: ["69"] },
    ]) {
      assert.deepEqual(issues(perimeter), [], JSON.stringify(perimeter));
    }
  });

  it("refuses unknown codes", () => {
    assert.deepEqual(issues({ departements: ["20", "93"] }), ["departements: département inconnu : 20"]);
    assert.deepEqual(issues({ departements: ["93"], region: "99" }), ["region: région inconnue : 99"]);
  });

  it("never lets a région reach beyond the départements granted", () => {
    assert.deepEqual(issues({ departements: ["93", "13"], region: "11" }), [
      "region: départements hors de la région Île-de-France : 13",
    ]);
    // A région alone would fill a région lock with nothing granted: refused, whatever lockValue does.
    assert.deepEqual(issues({ region: "11" }), [
      "region: la région Île-de-France est donnée sans ses départements",
    ]);
    assert.deepEqual(issues({ departements: [], region: "11" }), [
      "region: la région Île-de-France est donnée sans ses départements",
    ]);
  });

  it("refuses fields it does not know", () => {
    assert.equal(issues({ departements: ["93"], commune: "93066" }).length, 1);
  });
});
