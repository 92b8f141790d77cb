/**
 * The test server's path from an embed's values to SQL, as one module the conformance meta-test can copy with a
 * bug planted in it (test/metabase-conformance/meta.test.ts): the embedding API's value normalisation, the
 * version thresholds, and the renderer.
 */
export { emptyToNull } from "./embed-params.js";
export { metabaseRenderer } from "./renderer.js";
export { featuresOf } from "./version.js";
