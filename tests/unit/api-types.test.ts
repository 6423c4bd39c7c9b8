import { beforeAll, describe, expect, it } from "vitest";
import type { OpenAPI3, OperationObject, PathItemObject } from "openapi-typescript";
import { SUMMARY_FILE, TYPES_FILE, readOpenApiDocument, renderApiFiles, staleApiFiles } from "../../scripts/generate-api-types.ts";

// One app build for the file: it is the slow part (an in-memory database and its migrations).
let document: OpenAPI3;
beforeAll(async () => {
  document = await readOpenApiDocument();
}, 120_000);

type JsonAnswer = { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };

/** A GET route's answers by status, in a copy of the document that a test may change. */
function getResponses(document: OpenAPI3, path: string): Record<string, JsonAnswer> {
  // Fastify's document writes every path item and operation in place, never as a $ref.
  const operation = (document.paths?.[path] as PathItemObject | undefined)?.get as OperationObject | undefined;
  return (operation?.responses ?? {}) as Record<string, JsonAnswer>;
}

/** The document with one field of one answer renamed, as a route's schema change would. */
function withRenamedAnswerField(path: string, from: string, to: string): OpenAPI3 {
  const changed = structuredClone(document);
  const schema = getResponses(changed, path)["200"]?.content["application/json"]?.schema;
  if (!schema?.properties[from]) throw new Error(`${path} answers no field ${from}`);
  schema.properties[to] = schema.properties[from];
  delete schema.properties[from];
  schema.required = schema.required.map((name) => (name === from ? to : name));
  return changed;
}

describe("the dashboard's API types and the API summary", () => {
  it("are committed exactly as the route schemas generate them (run `npm run api:types` when this fails)", async () => {
    expect(await staleApiFiles(await renderApiFiles(document))).toEqual([]);
  });

  it("go stale as soon as a route's answer changes shape (the types; the summary lists no answer fields)", async () => {
    const renamed = withRenamedAnswerField("/api/v1/users", "totalCapped", "capped");
    const rendered = await renderApiFiles(renamed);
    expect(rendered[TYPES_FILE]).toContain("capped: boolean;");
    expect(await staleApiFiles(rendered)).toEqual([TYPES_FILE]);
  });

  it("go stale, both of them, when a route gains an error status", async () => {
    const changed = structuredClone(document);
    const responses = getResponses(changed, "/api/v1/auth/me");
    responses["503"] = structuredClone(responses["401"]) as JsonAnswer;
    expect(await staleApiFiles(await renderApiFiles(changed))).toEqual([TYPES_FILE, SUMMARY_FILE]);
  });

  it("come out the same from the same document, whatever order its paths arrive in", async () => {
    const reversed = { ...document, paths: Object.fromEntries(Object.entries(document.paths ?? {}).reverse()) };
    expect(await renderApiFiles(reversed)).toEqual(await renderApiFiles(document));
  });
});
