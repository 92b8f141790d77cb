import http from "node:http";

/**
 * What a person may try to widen their perimeter with (PRODUCT.md §3, invariant 1): the perimeter's own
 * attribute names, not only the dashboards' parameter slugs, in the forms query-string parsers and body
 * parsers turn into lists or objects (`a=1&a=2`, `a[]=1`, `a[0]=1`, `params[a]=1`), in the query string
 * and in the body. Written out here rather than imported from src/perimeter, so that an attribute added
 * there without a test here shows in review.
 */
export const PERIMETER_ATTRIBUTE_NAMES = [
  "departements",
  "departement_labels",
  "structures",
  "reseau",
  "organisation",
  "region",
  "bassins",
  "epci",
] as const;

/** Values from another territory and other organisations than any demo account's. */
const FOREIGN: Record<(typeof PERIMETER_ATTRIBUTE_NAMES)[number], [string, string]> = {
  departements: ["13", "75"],
  departement_labels: ["13 - Bouches-du-Rhône", "75 - Paris"],
  structures: ["1", "2"],
  reseau: ["1", "2"],
  organisation: ["1", "3"],
  region: ["93", "84"],
  bassins: ["1301", "7501"],
  epci: ["200054807", "200054781"],
};

/** Each attribute in each form, one query string per case: `[label, query without "?"]`. */
export function tamperedQueries(): Array<[string, string]> {
  const cases: Array<[string, string]> = [];
  for (const name of PERIMETER_ATTRIBUTE_NAMES) {
    const [a, b] = FOREIGN[name].map(encodeURIComponent) as [string, string];
    cases.push(
      [`${name} repeated`, `${name}=${a}&${name}=${b}`],
      [`${name}[]`, `${name}%5B%5D=${a}&${name}%5B%5D=${b}`],
      [`${name}[0]`, `${name}%5B0%5D=${a}&${name}%5B1%5D=${b}`],
      [`params[${name}]`, `params%5B${name}%5D=${a}`],
      [`perimeter[${name}]`, `perimeter%5B${name}%5D=${a}`],
      [`perimeter.${name}`, `perimeter.${name}=${a}`],
    );
  }
  return cases;
}

/** Every attribute at once, as a JSON body and as a form body (both forms of each). */
export function tamperedBodies(): Array<{ label: string; contentType: string; body: string }> {
  const json: Record<string, unknown> = {};
  const form = new URLSearchParams();
  for (const name of PERIMETER_ATTRIBUTE_NAMES) {
    const [a, b] = FOREIGN[name];
    json[name] = [a, b];
    form.append(name, a);
    form.append(`${name}[]`, b);
    form.append(`params[${name}]`, a);
  }
  json.params = { ...json };
  json.perimeter = { ...json };
  return [
    { label: "JSON body", contentType: "application/json", body: JSON.stringify(json) },
    { label: "form body", contentType: "application/x-www-form-urlencoded", body: form.toString() },
  ];
}

/**
 * A GET carrying a body (fetch refuses to send one), with the given cookie header: status and text.
 * Extra headers are added as is.
 */
export function getWithBody(
  url: string,
  cookie: string,
  body: { contentType: string; body: string },
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: "GET",
        headers: {
          cookie,
          "content-type": body.contentType,
          "content-length": Buffer.byteLength(body.body),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    request.on("error", reject);
    request.end(body.body);
  });
}
