import { describe, expect, it } from "vitest";
import {
  collectHeaders,
  isTextContentType,
  parseQuery,
  requestTime,
} from "../src/apigateway/payload.ts";
import { type HttpRoute, RouteTable } from "../src/apigateway/routes.ts";

const route = (key: string, functionName = key): HttpRoute => {
  const [method = "", path = ""] = key.split(" ");
  return { method, path, functionName, auth: "public", scopes: [] };
};

describe("route selection", () => {
  // The example of API Gateway's "Routing API requests", plus ANY and method cases.
  const table = new RouteTable(
    [
      "GET /pets/dog/1",
      "GET /pets/dog/{id}",
      "GET /pets/{proxy+}",
      "ANY /{proxy+}",
      "POST /files/{fileId}",
      "ANY /files/{fileId}",
      "GET /",
    ].map((key) => route(key)),
  );
  const keyOf = (method: string, path: string) => table.match(method, path)?.routeKey;

  it.each([
    ["GET", "/pets/dog/1", "GET /pets/dog/1"],
    ["GET", "/pets/dog/2", "GET /pets/dog/{id}"],
    ["GET", "/pets/cat/1", "GET /pets/{proxy+}"],
    ["GET", "/test", "ANY /{proxy+}"],
    ["DELETE", "/pets/dog/1", "ANY /{proxy+}"],
    ["POST", "/files/f1", "POST /files/{fileId}"],
    ["PATCH", "/files/f1", "ANY /files/{fileId}"],
    ["GET", "/", "GET /"],
  ])("sends %s %s to %s", (method, path, expected) => {
    expect(keyOf(method, path)).toBe(expected);
  });

  it("binds decoded path parameters, the greedy one with its slashes", () => {
    expect(table.match("GET", "/pets/dog/a%20b")?.pathParameters).toEqual({ id: "a b" });
    expect(table.match("GET", "/pets/cat/x/y%2Bz")?.pathParameters).toEqual({ proxy: "cat/x/y+z" });
  });

  it("leaves path parameters as sent for a REST API, which does not decode them", () => {
    const rest = new RouteTable(
      [{ method: "GET", path: "/files/{fileId}/{rest+}", functionName: "Files" }],
      { decodeParameters: false },
    );
    expect(rest.match("GET", "/files/f%201/a/b%2Bc")?.pathParameters).toEqual({
      fileId: "f%201",
      rest: "a/b%2Bc",
    });
  });

  it("omits pathParameters for a route without variables", () => {
    expect(table.match("GET", "/pets/dog/1")?.pathParameters).toBeUndefined();
  });

  it("matches nothing when no route fits the method and the path", () => {
    const strict = new RouteTable([route("GET /files/{fileId}"), route("POST /uploads")]);
    expect(strict.match("GET", "/uploads")).toBeUndefined();
    expect(strict.match("GET", "/files")).toBeUndefined();
    expect(strict.match("GET", "/files/")).toBeUndefined();
    expect(strict.match("GET", "/files/a/b")).toBeUndefined();
  });

  it("needs at least one segment for a greedy variable", () => {
    const greedy = new RouteTable([route("GET /assets/{proxy+}")]);
    expect(greedy.match("GET", "/assets")).toBeUndefined();
    expect(greedy.match("GET", "/assets/")).toBeUndefined();
    expect(greedy.match("GET", "/assets/a")?.pathParameters).toEqual({ proxy: "a" });
  });

  it("refuses the routes API Gateway refuses", () => {
    expect(() => new RouteTable([route("GET /a"), route("GET /a")])).toThrow(
      "route GET /a is declared twice",
    );
    expect(() => new RouteTable([route("GET /{proxy+}/x")])).toThrow(
      "a greedy path variable must end the path",
    );
    expect(() => new RouteTable([route("FETCH /a")])).toThrow("unsupported method");
    expect(() => new RouteTable([route("GET a")])).toThrow("the path must start with /");
  });
});

describe("request parts of the 2.0 event", () => {
  it("lower-cases header names, joins repeats with commas and moves cookies out", () => {
    const raw = ["X-Multi", "a", "x-multi", "b", "Cookie", "s=1; t=2", "Connection", "keep-alive"];
    expect(collectHeaders(raw)).toEqual({ headers: { "x-multi": "a,b" }, cookies: ["s=1", "t=2"] });
  });

  it("decodes query parameters and joins repeated keys with commas", () => {
    expect(parseQuery("a=1&a=2&b=x%20y&c=p+q&flag")).toEqual({
      a: "1,2",
      b: "x y",
      c: "p q",
      flag: "",
    });
    expect(parseQuery("")).toBeUndefined();
  });

  it.each([
    ["text/plain", true],
    ["text/csv; charset=utf-8", true],
    ["application/json", true],
    ["Application/JSON; charset=utf-8", true],
    ["application/xml", true],
    ["application/javascript", true],
    ["application/x-www-form-urlencoded", false],
    ["multipart/form-data; boundary=x", false],
    ["application/octet-stream", false],
    ["image/png", false],
    ["application/vnd.api+json", false],
    [undefined, false],
  ])("passes a %s body as text: %s", (type, text) => {
    expect(isTextContentType(type)).toBe(text);
  });

  it("formats requestContext.time as API Gateway does", () => {
    expect(requestTime(Date.UTC(2024, 5, 7, 5, 9, 3, 348))).toBe("07/Jun/2024:05:09:03 +0000");
  });
});
