import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody, sendAwsJsonError, sendJson } from "../http.ts";
import type { EventBridge, Rule, Target } from "./bus.ts";
import { InvalidEventError, InvalidEventPatternError, testEventPattern } from "./pattern/index.ts";

const MAX_ENTRY_BYTES = 262_144;
const bytes = (text: string | undefined) => (text ? Buffer.byteLength(text) : 0);

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  EventBusName?: string;
  Time?: number | string;
}

class ValidationError extends Error {
  override readonly name = "ValidationException";
}

type Operation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

/** EventBridge's JSON 1.1 API (X-Amz-Target: AWSEvents.<Operation>). */
export function createEventsApi(bus: EventBridge) {
  const ruleOut = (r: Rule) => ({
    Name: r.name,
    Arn: bus.ruleArn(r),
    EventPattern: r.pattern,
    State: "ENABLED",
    Description: r.description,
    EventBusName: r.bus,
  });
  const str = (input: Record<string, unknown>, key: string) => {
    const value = input[key];
    if (typeof value !== "string" || value === "") throw new ValidationError(`${key} is required`);
    return value;
  };

  const replays = new Map<string, Record<string, unknown>>();
  const archiveArn = (name: string) =>
    bus.busArn(name).replace(/:event-bus\/.*$/, `:archive/${name}`);
  const epoch = (value: unknown, key: string) => {
    if (typeof value === "number") return new Date(value * 1000);
    if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return new Date(value);
    throw new ValidationError(`${key} is required`);
  };

  const operations: Record<string, Operation> = {
    PutEvents: (input) => putEvents(bus, input.Entries),
    TestEventPattern: (input) => ({
      Result: testEventPattern(str(input, "EventPattern"), str(input, "Event")),
    }),
    CreateEventBus: (input) => {
      bus.createBus(str(input, "Name"));
      return { EventBusArn: bus.busArn(str(input, "Name")) };
    },
    ListEventBuses: () => ({
      EventBuses: bus.busNames().map((Name) => ({ Name, Arn: bus.busArn(Name) })),
    }),
    DescribeEventBus: (input) => {
      const name = bus.busName(input.Name as string | undefined);
      if (!bus.hasBus(name))
        throw Object.assign(new Error(`Event bus ${name} does not exist.`), {
          name: "ResourceNotFoundException",
        });
      return { Name: name, Arn: bus.busArn(name) };
    },
    PutRule: (input) => {
      const rule = bus.putRule({
        name: str(input, "Name"),
        bus: bus.busName(input.EventBusName as string | undefined),
        pattern: str(input, "EventPattern"),
        description: input.Description as string | undefined,
      });
      return { RuleArn: ruleOut(rule).Arn };
    },
    DescribeRule: (input) => ruleOut(requireRule(bus, input)),
    ListRules: (input) => ({
      Rules: bus
        .rules(bus.busName(input.EventBusName as string | undefined))
        .filter((r) => !input.NamePrefix || r.name.startsWith(String(input.NamePrefix)))
        .map(ruleOut),
    }),
    DeleteRule: (input) => {
      bus.deleteRule(bus.busName(input.EventBusName as string | undefined), str(input, "Name"));
      return {};
    },
    PutTargets: (input) => {
      const rule = requireRule(bus, { ...input, Name: input.Rule });
      const targets = (input.Targets as { Id: string; Arn: string }[] | undefined) ?? [];
      for (const t of targets) {
        const target: Target = t.Arn.includes(":event-bus/")
          ? { id: t.Id, kind: "bus", busName: bus.busName(t.Arn) }
          : { id: t.Id, kind: "lambda", functionName: t.Arn };
        rule.targets = [...rule.targets.filter((x) => x.id !== t.Id), target];
      }
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListArchives: () => ({
      Archives: bus.archiveNames().map((ArchiveName) => ({
        ArchiveName,
        EventSourceArn: bus.busArn(bus.archive(ArchiveName)?.bus ?? ""),
        State: "ENABLED",
      })),
    }),
    DescribeArchive: (input) => {
      const archive = bus.archive(str(input, "ArchiveName"));
      if (!archive)
        throw Object.assign(new Error(`Archive ${String(input.ArchiveName)} does not exist.`), {
          name: "ResourceNotFoundException",
        });
      return {
        ArchiveArn: archiveArn(archive.name),
        ArchiveName: archive.name,
        EventSourceArn: bus.busArn(archive.bus),
        State: "ENABLED",
      };
    },
    // Replays run to completion before answering; DescribeReplay then reports COMPLETED.
    StartReplay: async (input) => {
      const name = str(input, "ReplayName");
      if (replays.has(name))
        throw Object.assign(new Error(`Replay ${name} already exists.`), {
          name: "ResourceAlreadyExistsException",
        });
      const archive = str(input, "EventSourceArn").split(":archive/").pop() ?? "";
      const from = epoch(input.EventStartTime, "EventStartTime");
      const to = epoch(input.EventEndTime, "EventEndTime");
      if (from >= to) throw new ValidationError("EventStartTime must be before EventEndTime.");
      const destination = (input.Destination ?? {}) as { FilterArns?: string[] };
      const rules = destination.FilterArns?.map((arn) => arn.split("/").pop() ?? arn);
      const started = new Date();
      const result = await bus.replay({ name, archive, from, to, rules });
      const replay = {
        ReplayName: name,
        ReplayArn: bus.busArn(name).replace(/:event-bus\/.*$/, `:replay/${name}`),
        EventSourceArn: input.EventSourceArn,
        Destination: input.Destination,
        State: "COMPLETED",
        StateReason: `replayed ${result.events} events as ${result.deliveries} deliveries`,
        EventStartTime: from.getTime() / 1000,
        EventEndTime: to.getTime() / 1000,
        ReplayStartTime: started.getTime() / 1000,
        ReplayEndTime: Date.now() / 1000,
      };
      replays.set(name, replay);
      return {
        ReplayArn: replay.ReplayArn,
        State: "STARTING",
        ReplayStartTime: replay.ReplayStartTime,
      };
    },
    DescribeReplay: (input) => {
      const replay = replays.get(str(input, "ReplayName"));
      if (!replay)
        throw Object.assign(new Error(`Replay ${String(input.ReplayName)} does not exist.`), {
          name: "ResourceNotFoundException",
        });
      return replay;
    },
    ListTargetsByRule: (input) => ({
      Targets: requireRule(bus, { ...input, Name: input.Rule }).targets.map((t) => ({
        Id: t.id,
        Arn: t.kind === "bus" ? bus.busArn(t.busName) : t.functionName,
      })),
    }),
  };

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = operations[target.replace(/^AWSEvents\./, "")];
    if (!operation)
      return sendAwsJsonError(res, 400, "UnknownOperationException", `Unknown operation ${target}`);
    try {
      const body = await readBody(req, 2 * 1024 * 1024);
      const input = JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
      sendJson(res, 200, await operation(input), {}, "application/x-amz-json-1.1");
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return sendAwsJsonError(res, 413, "ValidationException", error.message);
      const e = error as Error;
      // AWS's wire message for a bad pattern carries the parser's location too.
      if (error instanceof InvalidEventPatternError)
        return sendAwsJsonError(res, 400, e.name, error.awsMessage);
      const known = [
        "ValidationException",
        "ResourceNotFoundException",
        "ResourceAlreadyExistsException",
      ];
      if (error instanceof InvalidEventError || known.includes(e.name))
        return sendAwsJsonError(res, 400, e.name, e.message);
      if (error instanceof SyntaxError)
        return sendAwsJsonError(res, 400, "SerializationException", e.message);
      throw error;
    }
  };
}

function requireRule(bus: EventBridge, input: Record<string, unknown>): Rule {
  const rule = bus.rule(bus.busName(input.EventBusName as string | undefined), String(input.Name));
  if (!rule)
    throw Object.assign(new Error(`Rule ${String(input.Name)} does not exist.`), {
      name: "ResourceNotFoundException",
    });
  return rule;
}

/** PutEvents as AWS answers it: request-level limits throw, entry-level problems fail that entry only. */
export function putEvents(bus: EventBridge, rawEntries: unknown) {
  if (!Array.isArray(rawEntries) || rawEntries.length === 0 || rawEntries.length > 10)
    throw new ValidationError(
      "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1",
    );
  const entries = rawEntries as PutEventsEntry[];
  const size = entries.reduce(
    (sum, e) =>
      sum +
      (e.Time ? 14 : 0) +
      bytes(e.Source) +
      bytes(e.DetailType) +
      bytes(e.Detail) +
      (e.Resources ?? []).reduce((s, r) => s + bytes(r), 0),
    0,
  );
  if (size > MAX_ENTRY_BYTES)
    throw new ValidationError("Total size of the entries in the request is over the limit.");

  const results = entries.map((entry) => {
    const failure = entryProblem(bus, entry);
    if (failure) return failure;
    const time =
      entry.Time === undefined
        ? undefined
        : new Date(typeof entry.Time === "number" ? entry.Time * 1000 : entry.Time);
    const event = bus.eventFrom({
      source: entry.Source as string,
      detailType: entry.DetailType as string,
      detail: JSON.parse(entry.Detail as string),
      resources: entry.Resources,
      time,
    });
    bus.put(bus.busName(entry.EventBusName), event);
    return { EventId: event.id };
  });
  return { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results };
}

function entryProblem(bus: EventBridge, entry: PutEventsEntry) {
  const fail = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
  if (!entry.Source)
    return fail(
      "InvalidArgument",
      "Parameter Source is not valid. Reason: Source is a required argument.",
    );
  if (!entry.DetailType)
    return fail(
      "InvalidArgument",
      "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
    );
  if (!entry.Detail)
    return fail(
      "InvalidArgument",
      "Parameter Detail is not valid. Reason: Detail is a required argument.",
    );
  if (entry.Source.startsWith("aws."))
    return fail("NotAuthorizedForSourceException", "Not authorized for the source.");
  try {
    const detail = JSON.parse(entry.Detail);
    if (typeof detail !== "object" || detail === null || Array.isArray(detail))
      return fail("MalformedDetail", "Detail is malformed.");
  } catch {
    return fail("MalformedDetail", "Detail is malformed.");
  }
  if (!bus.hasBus(bus.busName(entry.EventBusName)))
    return fail(
      "ResourceNotFoundException",
      `Event bus ${bus.busName(entry.EventBusName)} does not exist.`,
    );
  return undefined;
}
