import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import {
  signedTokenLength,
  worstCaseEmbedUrlBytes,
  worstCaseLockValue,
  type DashboardParameter,
} from "../../src/catalog/index.js";

const SECRET = "0123456789abcdef".repeat(4);

function locked(slug: string, attribute: DashboardParameter["locked"]): DashboardParameter {
  return { slug, label: slug, type: "text", multiple: true, locked: attribute };
}

describe("embed URL size", () => {
  it("computes the length of an HS256 token exactly as jsonwebtoken signs it", () => {
    for (const params of [
      {},
      { d: worstCaseLockValue("departement_labels") },
      { r: worstCaseLockValue("region") },
    ]) {
      const payload = { resource: { dashboard: 42 }, params, exp: 1767225600, iat: 1767225000 };
      assert.equal(signedTokenLength(payload), jwt.sign(payload, SECRET, { algorithm: "HS256" }).length);
    }
  });

  it("takes the national perimeter and the documented structure maximum as worst cases", () => {
    assert.equal(worstCaseLockValue("departements").length, 101);
    assert.ok((worstCaseLockValue("departement_labels") as string[]).includes("93 - Seine-Saint-Denis"));
    assert.equal(worstCaseLockValue("region"), "Provence-Alpes-Côte d'Azur");
    assert.equal(worstCaseLockValue("structures").length, 200);
    assert.equal(worstCaseLockValue("reseau"), "2147483647");
  });

  it("sizes the longest URL carrying the token: the iframe URL or a card query it makes", () => {
    const params = { d: worstCaseLockValue("departement_labels") };
    const token = jwt.sign(
      { resource: { dashboard: "x".repeat(21) }, params, exp: 8589934588, iat: 8589934588 },
      SECRET,
    );
    const site = "https://metabase.pilotage.inclusion.gouv"; // 40 characters
    assert.equal(site.length, 40);
    const cardQuery = `${site}/api/embed/dashboard/${token}/dashcard/2147483647/card/2147483647`;
    const iframe = `${site}/embed/dashboard/${token}#bordered=false&titled=false&theme=transparent`;
    assert.equal(
      worstCaseEmbedUrlBytes({ parameters: [locked("d", "departement_labels")] }),
      Math.max(cardQuery.length, iframe.length),
    );
  });

  it("grows with each locked list, and stays small for single values", () => {
    const one = worstCaseEmbedUrlBytes({ parameters: [locked("a", "departement_labels")] });
    const four = worstCaseEmbedUrlBytes({
      parameters: ["a", "b", "c", "d"].map((s) => locked(s, "departement_labels")),
    });
    assert.ok(one < 8000 && four > 8000, `${one} / ${four}`);
    assert.ok(worstCaseEmbedUrlBytes({ parameters: [locked("o", "organisation")] }) < 600);
    assert.ok(worstCaseEmbedUrlBytes({ parameters: [locked("s", "structures")] }) < 8000);
  });
});
