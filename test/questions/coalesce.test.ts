import assert from "node:assert/strict";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { coalesce } from "../../src/questions/coalesce.js";

/** The CSV stream's write coalescing: larger writes, bounded memory, and no byte held for long. */
describe("coalesce", () => {
  function collect(stream: ReturnType<typeof coalesce>): string[] {
    const out: string[] = [];
    stream.on("data", (chunk: Buffer) => out.push(chunk.toString()));
    return out;
  }

  it("passes chunks on once they reach the size, whole and in order", () => {
    const stream = coalesce(8, 10_000);
    const out = collect(stream);
    stream.write(Buffer.from("abc"));
    stream.write(Buffer.from("def"));
    assert.deepEqual(out, []);
    stream.write(Buffer.from("ghij"));
    stream.write(Buffer.from("k"));
    assert.deepEqual(out, ["abcdefghij"]);
    stream.destroy();
  });

  it("passes on what it holds after the delay, and the rest at the end", async () => {
    const stream = coalesce(1024, 20);
    const out = collect(stream);
    stream.write(Buffer.from("first rows"));
    await sleep(60);
    assert.deepEqual(out, ["first rows"]);
    stream.write(Buffer.from("last"));
    stream.end();
    await once(stream, "end");
    assert.deepEqual(out, ["first rows", "last"]);
  });

  it("holds nothing and fires no timer after it is destroyed", async () => {
    const stream = coalesce(1024, 10);
    const out = collect(stream);
    stream.write(Buffer.from("never sent"));
    stream.destroy();
    await sleep(40);
    assert.deepEqual(out, []);
  });
});
