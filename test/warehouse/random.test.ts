import assert from "node:assert/strict";
import { createRng, WeightedPicker } from "../../src/warehouse/random.js";
import { copyField } from "../../src/warehouse/seed.js";

describe("warehouse random generator", () => {
  it("draws the same pinned sequence for a seed, on any machine", () => {
    // Pinned values: a change here changes every synthetic warehouse, so bump GENERATOR_VERSION too.
    const rng = createRng("pilotage/test");
    assert.deepEqual([rng.uint32(), rng.uint32(), rng.uint32()], [1337369475, 3293378165, 909843033]);
    assert.equal(rng.uuid(), "fbc4b15b-020f-4f5b-99d8-fdf50ab0a155");
    assert.equal(rng.int(1, 6), 4);
  });

  it("gives different streams to different seeds", () => {
    assert.notEqual(createRng("a").uint32(), createRng("b").uint32());
  });

  it("keeps int() within its bounds and reaches both ends", () => {
    const rng = createRng("bounds");
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = rng.int(-2, 3);
      assert.ok(Number.isInteger(value) && value >= -2 && value <= 3, `out of bounds: ${value}`);
      seen.add(value);
    }
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [-2, -1, 0, 1, 2, 3],
    );
  });

  it("draws version-4 UUIDs", () => {
    const rng = createRng("uuid");
    for (let i = 0; i < 200; i++) {
      assert.match(rng.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it("picks in proportion to the weights, never a zero-weight item", () => {
    const picker = new WeightedPicker(["a", "b", "never"], [1, 3, 0]);
    const rng = createRng("weights");
    const counts: Record<string, number> = { a: 0, b: 0, never: 0 };
    for (let i = 0; i < 20_000; i++) counts[picker.pick(rng)]!++;
    assert.equal(counts.never, 0);
    const share = counts.b! / 20_000;
    assert.ok(share > 0.73 && share < 0.77, `b drawn ${share} of the time, expected about 0.75`);
  });

  it("refuses an empty or weightless picker", () => {
    assert.throws(() => new WeightedPicker([], []), /needs as many positive weights as items/);
    assert.throws(() => new WeightedPicker(["a"], [0]), /positive total weight/);
  });
});

describe("COPY text format", () => {
  it("writes nulls, booleans, numbers, arrays and escapes tabs, newlines and backslashes", () => {
    assert.equal(copyField(null), "\\N");
    assert.equal(copyField(true), "t");
    assert.equal(copyField(false), "f");
    assert.equal(copyField(42), "42");
    assert.equal(copyField("a\tb\nc\\d\re"), "a\\tb\\nc\\\\d\\re");
    assert.equal(copyField(["72", "53"]), '{"72","53"}');
    assert.equal(copyField(['a"b', "c\\d"]), '{"a\\\\"b","c\\\\\\\\d"}');
  });
});
