import assert from "node:assert/strict";
import { readMarker, withMarker } from "../../src/metabase/marker.js";
import {
  canonicalJson,
  fieldIdOf,
  nativeQueryOf,
  sameJson,
  templateTagTarget,
} from "../../src/metabase/normalize.js";
import { parseVersionTag, featuresOf } from "../../src/metabase/version.js";

describe("read-back normalisers", () => {
  const tag = { name: "d", "display-name": "D", type: "dimension", dimension: ["field", 12, null] };

  it("reads a native query in the legacy shape", () => {
    assert.deepEqual(
      nativeQueryOf({
        database: 2,
        type: "native",
        native: { query: "SELECT 1", "template-tags": { d: tag } },
      }),
      { databaseId: 2, sql: "SELECT 1", templateTags: { d: tag } },
    );
  });

  it("reads MBQL 5 (v57+), with template tags as a map or as a list", () => {
    const mbql5Tag = { ...tag, dimension: ["field", { "lib/uuid": "x" }, 12] };
    for (const tags of [{ d: mbql5Tag }, [mbql5Tag]]) {
      const native = nativeQueryOf({
        "lib/type": "mbql/query",
        database: 2,
        stages: [{ "lib/type": "mbql.stage/native", native: "SELECT 1", "template-tags": tags }],
      });
      assert.deepEqual(native, { databaseId: 2, sql: "SELECT 1", templateTags: { d: mbql5Tag } });
      assert.equal(fieldIdOf(native!.templateTags.d!.dimension), 12);
    }
  });

  it("refuses what is not a native query", () => {
    assert.equal(nativeQueryOf({ database: 2, type: "query", query: { "source-table": 3 } }), undefined);
    assert.equal(
      nativeQueryOf({ "lib/type": "mbql/query", stages: [{ "lib/type": "mbql.stage/mbql" }] }),
      undefined,
    );
    assert.equal(nativeQueryOf("SELECT 1"), undefined);
  });

  it("reads field references and parameter targets in every shape", () => {
    assert.equal(fieldIdOf(["field", 7, null]), 7);
    assert.equal(fieldIdOf(["field", 7, { "base-type": "type/Text" }]), 7);
    assert.equal(fieldIdOf(["field", { "lib/uuid": "u" }, 7]), 7);
    assert.equal(fieldIdOf(["field", "name", { "base-type": "type/Text" }]), undefined);
    assert.deepEqual(templateTagTarget(["variable", ["template-tag", "x"]]), { kind: "variable", tag: "x" });
    assert.deepEqual(templateTagTarget(["dimension", ["template-tag", "x"], { "stage-number": 0 }]), {
      kind: "dimension",
      tag: "x",
    });
    assert.equal(templateTagTarget(["dimension", ["field", 7, null]]), undefined);
  });

  it("compares JSON ignoring key order and null versus absent members", () => {
    assert.equal(sameJson({ a: 1, b: null, c: [1, { d: 2 }] }, { c: [1, { d: 2, e: null }], a: 1 }), true);
    assert.equal(sameJson({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(sameJson({ a: 0 }, { a: null }), false);
    assert.equal(canonicalJson({ b: 1, a: null, c: { z: 1, y: 2 } }), '{"b":1,"c":{"y":2,"z":1}}');
  });
});

describe("ownership marker", () => {
  it("round-trips through a description, with or without text", () => {
    assert.equal(withMarker("Texte.\n", "iae/x"), "Texte.\n\npilotage:iae/x");
    assert.equal(withMarker(undefined, "iae/x"), "pilotage:iae/x");
    assert.deepEqual(readMarker("Texte.\n\npilotage:iae/x"), { text: "Texte.", key: "iae/x" });
    assert.deepEqual(readMarker("pilotage:iae/x\n"), { text: "", key: "iae/x" });
    assert.deepEqual(readMarker("Texte modifié dans Metabase"), {
      text: "Texte modifié dans Metabase",
      key: undefined,
    });
    assert.deepEqual(readMarker(null), { text: "", key: undefined });
  });

  it("only reads the last line: a key quoted in the text is not a marker", () => {
    assert.deepEqual(readMarker("voir pilotage:autre ici\nsuite"), {
      text: "voir pilotage:autre ici\nsuite",
      key: undefined,
    });
  });
});

describe("version probe", () => {
  it("parses OSS and Enterprise tags and picks the embedding setting", () => {
    assert.deepEqual(parseVersionTag("v0.50.3"), { tag: "v0.50.3", major: 50, minor: 3 });
    assert.deepEqual(parseVersionTag("v1.57.2.1"), { tag: "v1.57.2.1", major: 57, minor: 2 });
    assert.equal(parseVersionTag("vLOCAL"), undefined);
    assert.deepEqual(featuresOf({ tag: "v0.50.3", major: 50, minor: 3 }), {
      embeddingSetting: "enable-embedding",
      mbql5ReadBack: false,
      cardType: true,
      apiKeys: true,
    });
    assert.equal(
      featuresOf({ tag: "v0.51.0", major: 51, minor: 0 }).embeddingSetting,
      "enable-embedding-static",
    );
    assert.equal(featuresOf({ tag: "v0.57.0", major: 57, minor: 0 }).mbql5ReadBack, true);
  });
});
