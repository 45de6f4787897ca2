/** A route to a function, as both APIs declare them (a REST API calls it a resource's method). */
export interface Route {
  /** GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY. */
  method: string;
  /** `/files/{fileId}`, `/{proxy+}`: a greedy variable only at the end. */
  path: string;
  functionName: string;
}

/** A route of the HTTP API as the wiring declares it (`WiredRoute`, with its function's name resolved). */
export interface HttpRoute extends Route {
  auth: "jwt" | "public";
  scopes: string[];
}

export interface RouteMatch<R extends Route = HttpRoute> {
  route: R;
  /** `POST /uploads`, as the event's `routeKey` carries it. */
  routeKey: string;
  /** Undefined when the route has no variables (the event then omits the field). */
  pathParameters: Record<string, string> | undefined;
}

type Segment =
  | { kind: "literal"; value: string }
  | { kind: "variable"; name: string }
  | { kind: "greedy"; name: string };

interface CompiledRoute<R extends Route> {
  route: R;
  key: string;
  segments: Segment[];
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"]);
/** Lower ranks win: a literal segment beats `{param}`, which beats `{proxy+}`. */
const RANK = { literal: 0, variable: 1, greedy: 2 } as const;

/** Percent-decodes, leaving a malformed sequence as sent rather than failing the request. */
/** A request target split into its still-encoded path and raw query string. */
export function splitTarget(target: string): { encodedPath: string; rawQueryString: string } {
  const queryAt = target.indexOf("?");
  return queryAt < 0
    ? { encodedPath: target, rawQueryString: "" }
    : { encodedPath: target.slice(0, queryAt), rawQueryString: target.slice(queryAt + 1) };
}

export function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compile<R extends Route>(route: R): CompiledRoute<R> {
  const method = route.method.toUpperCase();
  const key = `${method} ${route.path}`;
  if (!METHODS.has(method)) throw new Error(`route ${key}: unsupported method`);
  if (!route.path.startsWith("/")) throw new Error(`route ${key}: the path must start with /`);
  const parts = route.path.split("/").slice(1);
  const segments = parts.map((part, index): Segment => {
    const variable = /^\{([A-Za-z0-9._-]+)(\+?)\}$/.exec(part);
    if (!variable?.[1]) return { kind: "literal", value: part };
    if (!variable[2]) return { kind: "variable", name: variable[1] };
    if (index !== parts.length - 1)
      throw new Error(`route ${key}: a greedy path variable must end the path`);
    return { kind: "greedy", name: variable[1] };
  });
  return { route: { ...route, method }, key, segments };
}

/**
 * The variables a route binds for these (still encoded) path segments, or undefined if it does
 * not match; `value` turns a segment into the parameter's value (decoded, or left as sent).
 */
function bind(
  segments: Segment[],
  parts: string[],
  value: (part: string) => string,
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === "greedy") {
      const rest = parts.slice(index);
      if (rest.every((p) => p === "")) return undefined;
      params[segment.name] = rest.map(value).join("/");
      return params;
    }
    if (segment.kind === "literal") {
      if (decodeComponent(part) !== segment.value) return undefined;
    } else {
      if (part === "") return undefined;
      params[segment.name] = value(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
}

/** Negative when `a` is the better match: the more specific path first, then a named method over ANY. */
function compare<R extends Route>(a: CompiledRoute<R>, b: CompiledRoute<R>): number {
  const length = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const ka = a.segments[i]?.kind ?? "greedy";
    const kb = b.segments[i]?.kind ?? "greedy";
    if (ka !== kb) return RANK[ka] - RANK[kb];
  }
  return Number(a.route.method === "ANY") - Number(b.route.method === "ANY");
}

/**
 * The routes of one API, chosen the way API Gateway chooses: the most specific path wins (exact
 * segments, then `{param}`, then `{proxy+}`), and a named method beats ANY. HTTP APIs hand path
 * parameters over decoded; REST APIs as the client sent them (`decodeParameters: false`).
 */
export class RouteTable<R extends Route = HttpRoute> {
  private readonly routes: CompiledRoute<R>[];
  private readonly value: (part: string) => string;

  constructor(routes: readonly R[], options: { decodeParameters?: boolean } = {}) {
    this.routes = routes.map((route) => compile(route));
    this.value = options.decodeParameters === false ? (part) => part : decodeComponent;
    const keys = new Set<string>();
    for (const { key } of this.routes) {
      // API Gateway refuses a second route with the same key (ConflictException).
      if (keys.has(key)) throw new Error(`route ${key} is declared twice`);
      keys.add(key);
    }
  }

  /** `encodedPath` is the path as the client sent it, without the query string. */
  match(method: string, encodedPath: string): RouteMatch<R> | undefined {
    const parts = encodedPath.split("/").slice(1);
    let best: { compiled: CompiledRoute<R>; params: Record<string, string> } | undefined;
    for (const compiled of this.routes) {
      if (compiled.route.method !== method && compiled.route.method !== "ANY") continue;
      const params = bind(compiled.segments, parts, this.value);
      if (params && (!best || compare(compiled, best.compiled) < 0)) best = { compiled, params };
    }
    if (!best) return undefined;
    const { compiled, params } = best;
    return {
      route: compiled.route,
      routeKey: compiled.key,
      pathParameters: Object.keys(params).length > 0 ? params : undefined,
    };
  }
}
