import assert from "node:assert/strict";
import { acceptableAcrs, meetsMinimumAcr } from "../src/eidas-levels.js";

const LEVELS = ["eidas0", "eidas0-mfa", "eidas1", "eidas1-mfa", "eidas2", "eidas3"];

/** Rows: the minimum; columns: the acr received, in LEVELS order. */
const EXPECTED: Record<string, boolean[]> = {
  eidas0: [true, true, true, true, true, true],
  "eidas0-mfa": [false, true, false, true, true, true],
  eidas1: [false, false, true, true, true, true],
  "eidas1-mfa": [false, false, false, true, true, true],
  eidas2: [false, false, false, false, true, true],
  eidas3: [false, false, false, false, false, true],
};

describe("acr minimum", () => {
  for (const [minimum, row] of Object.entries(EXPECTED)) {
    it(`accepts exactly the levels that meet ${minimum}`, () => {
      assert.deepEqual(
        LEVELS.map((acr) => meetsMinimumAcr(acr, minimum)),
        row,
      );
      assert.deepEqual(
        acceptableAcrs(minimum),
        LEVELS.filter((_, i) => row[i]),
      );
    });
  }

  it("accepts no missing, unknown or certification-dirigeant acr", () => {
    for (const acr of [
      undefined,
      "",
      "EIDAS3",
      "eidas4",
      "https://proconnect.gouv.fr/assurance/certification-dirigeant",
    ]) {
      assert.equal(meetsMinimumAcr(acr, "eidas0"), false, String(acr));
    }
    assert.equal(meetsMinimumAcr("eidas3", "unknown-minimum"), false);
  });
});
