import { z } from "zod";
import type { RouteContract } from "../contracts/api.js";
import { ErrorBody } from "../contracts/common.js";

type Json = Record<string, unknown>;

/** Converts a schema to JSON Schema, moving named definitions into `components`. */
function toSchema(schema: z.ZodType, io: "input" | "output", components: Json): Json {
  const raw = JSON.stringify(z.toJSONSchema(schema, { io, unrepresentable: "any" }));
  const json = JSON.parse(raw.replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Json;
  delete json.$defs;
  for (const [name, def] of Object.entries(defs)) components[name] = def;
  return json;
}

/** Query or path parameters of a route as OpenAPI parameter objects. */
function parametersOf(schema: z.ZodType | undefined, where: "query" | "path", components: Json): Json[] {
  if (!schema) return [];
  const json = toSchema(schema, "input", components);
  const props = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: s,
    ...(s.description ? { description: s.description } : {}),
  }));
}

/** Builds the OpenAPI 3.1 document from the route contracts; never written by hand. */
export function buildOpenApi(routes: RouteContract[], info: { title: string; version: string }): Json {
  const components: Json = {};
  const paths: Record<string, Json> = {};
  const errorRef = toSchema(ErrorBody, "output", components);
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const responses: Json = {
      200: { description: "OK", content: { "application/json": { schema: toSchema(r.response, "output", components) } } },
      400: { description: "Invalid input", content: { "application/json": { schema: errorRef } } },
      401: { description: "Missing or invalid token", content: { "application/json": { schema: errorRef } } },
      403: { description: "Role not allowed", content: { "application/json": { schema: errorRef } } },
    };
    for (const [status, description] of Object.entries(r.statuses ?? {})) {
      responses[status] = { description, content: { "application/json": { schema: errorRef } } };
    }
    const op: Json = {
      summary: r.summary,
      operationId: `${r.method}${r.path.replace(/[^a-zA-Z]+(\w)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      parameters: [...parametersOf(r.params, "path", components), ...parametersOf(r.query, "query", components)],
      responses,
      ...(r.roles ? { "x-roles": r.roles } : {}),
    };
    if (r.body) op.requestBody = { required: true, content: { "application/json": { schema: toSchema(r.body, "input", components) } } };
    if (r.rawBody) {
      op.requestBody = {
        required: true,
        description: r.rawBody.description,
        content: Object.fromEntries(r.rawBody.mediaTypes.map((t) => [t, { schema: { type: "string", format: "binary" } }])),
      };
    }
    if (r.rawResponse) responses[200] = { description: "OK", content: { [r.rawResponse]: { schema: { type: "string", format: "binary" } } } };
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: "3.1.0",
    info,
    components: { schemas: components, securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}
