import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.js";
import { DEFAULT_WAREHOUSE_DATABASE } from "../../src/env-schema.js";
import { ConfigError } from "../../src/errors.js";

describe("configuration of the Metabase sync", () => {
  it("defaults the warehouse's name in Metabase and reads a user session as an alternative to an API key", () => {
    assert.equal(loadConfig({}).metabase.warehouseDatabase, DEFAULT_WAREHOUSE_DATABASE);
    const config = loadConfig({
      METABASE_USERNAME: "admin@example.gouv.fr",
      METABASE_PASSWORD: "secret",
      METABASE_WAREHOUSE_DATABASE: "Entrepôt (recette)",
    });
    assert.deepEqual(
      [config.metabase.username, config.metabase.password, config.metabase.warehouseDatabase],
      ["admin@example.gouv.fr", "secret", "Entrepôt (recette)"],
    );
  });

  it("wants the user name and the password together, reported with every other problem", () => {
    assert.throws(
      () => loadConfig({ METABASE_USERNAME: "admin@example.gouv.fr", PORT: "x" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.includes("METABASE_PASSWORD : requis dès que METABASE_USERNAME est défini") &&
        error.problems.some((p) => p.startsWith("PORT")),
    );
    assert.throws(
      () => loadConfig({ METABASE_PASSWORD: "secret" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.includes("METABASE_USERNAME : requis dès que METABASE_PASSWORD est défini"),
    );
  });
});
