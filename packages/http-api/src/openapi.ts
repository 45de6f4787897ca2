import { z } from "zod";

/** The problem+json body every error answer carries (RFC 9457, with the bad fields). */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ in: z.string(), name: z.string(), detail: z.string() })).optional(),
});

/** What one route takes and answers, in the zod schemas that validate it. */
export interface OpenApiOperation {
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** A JSON body's schema, or a request body written out (a multipart form, say). */
  body?: z.ZodType | { required: boolean; content: Record<string, unknown> };
  responses: Record<number, z.ZodType | "problem" | "empty" | "redirect" | "document">;
  public?: boolean;
}

/** Problem answers for these statuses, to spread into `responses`. */
export const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, "problem" as const]));

const schema = (type: z.ZodType, io: "input" | "output") => {
  const { $schema: _, ...rest } = z.toJSONSchema(type, { io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
};

function parameters(where: "path" | "query", object: z.ZodObject | undefined) {
  if (!object) return [];
  const json = schema(object, "input") as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function response(status: number, shape: OpenApiOperation["responses"][number]) {
  if (shape === "problem")
    return {
      description: "A problem",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
  if (shape === "empty") return { description: "No content" };
  if (shape === "redirect")
    return {
      description: "Redirect",
      headers: { location: { schema: { type: "string", format: "uri" } } },
    };
  if (shape === "document")
    return { description: "This document", content: { "application/json": {} } };
  return {
    description: String(status),
    content: { "application/json": { schema: schema(shape, "output") } },
  };
}

function requestBody(body: OpenApiOperation["body"]) {
  if (!body) return undefined;
  if (body instanceof z.ZodType)
    return { required: true, content: { "application/json": { schema: schema(body, "input") } } };
  return body;
}

/**
 * An OpenAPI 3.1 document generated from the zod schemas that validate the requests, so the
 * document cannot promise a shape the API refuses. Both doors' schemes: JWT and API key.
 */
export function openApiDocument(
  info: { title: string; description: string },
  operations: Readonly<Record<string, OpenApiOperation>>,
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(operations)) {
    const [method = "", path = ""] = key.split(" ");
    const body = requestBody(op.body);
    paths[path] = {
      ...paths[path],
      [method.toLowerCase()]: {
        summary: op.summary,
        ...(op.public ? { security: [] } : {}),
        parameters: [...parameters("path", op.params), ...parameters("query", op.query)],
        ...(body ? { requestBody: body } : {}),
        responses: Object.fromEntries(
          Object.entries(op.responses).map(([status, shape]) => [
            status,
            response(Number(status), shape),
          ]),
        ),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { ...info, version: "1.0.0" },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
      schemas: { Problem: schema(Problem, "output") },
    },
  };
}
