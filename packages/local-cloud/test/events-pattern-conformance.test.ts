import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, parse } from "node:path";
import { fileURLToPath } from "node:url";
import JSON5 from "json5";
import { describe, expect, it } from "vitest";
import { InvalidEventPatternError, testEventPattern } from "../src/events/pattern/index.ts";

// Every case here was answered by real AWS (TestEventPattern); see shared/conformance/README.md.
const casesDir = findConformanceDir("eventbridge-patterns");
const snapshot: Record<string, { "recorded-content": Record<string, unknown> }> = JSON.parse(
  readFileSync(join(casesDir, "aws-responses.snapshot.json"), "utf8"),
);

interface RecordedError {
  Code: string;
  Message: string;
  MessageRaw?: string;
}

/** Walks up from this file to the `shared/conformance` folder that sits beside the repository. */
function findConformanceDir(name: string): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "shared", "conformance", name);
    if (existsSync(candidate)) return candidate;
    if (dir === parse(dir).root) {
      throw new Error(
        `AWS conformance data not found: no shared/conformance/${name} in any folder above ${start}`,
      );
    }
  }
}

/** What AWS answered in the recorded test run for `parameter`, under `label`. */
function recorded(parameter: string, label: string): unknown {
  const entry = Object.entries(snapshot).find(([testId]) => testId.endsWith(`[${parameter}]`));
  return entry?.[1]["recorded-content"][label];
}

/** The error AWS answered for a named case, if the snapshot recorded one. */
function recordedError(caseName: string): RecordedError | undefined {
  const content = recorded(caseName, caseName) as
    | { exception_message: { Error: RecordedError } }
    | undefined;
  return content?.exception_message.Error;
}

/**
 * The text LocalStack sent to AWS: Python's json.dumps. AWS's raw messages locate errors by
 * column in that text, so the pattern is sent the same way here.
 */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`);
    return `{${members.join(", ")}}`;
  }
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

// The snapshot's recorder replaced the partition and region in ARNs; put the real ones back.
const withoutPlaceholders = (message: string) =>
  message.replaceAll("arn:<partition>:events:<region>:", "arn:aws:events:us-east-1:");

const caseFiles = readdirSync(casesDir)
  .filter((file) => file.endsWith(".json5"))
  .sort();

function loadCase(file: string): { event: string; pattern: string } {
  const data = JSON5.parse(readFileSync(join(casesDir, file), "utf8"));
  return { event: pythonJson(data.Event), pattern: pythonJson(data.EventPattern) };
}

describe("EventBridge pattern matching agrees with AWS on every recorded case", () => {
  it("finds all 156 AWS-validated cases, with AWS's message for each invalid pattern", () => {
    expect(caseFiles.length + 1).toBe(156);
    const invalid = caseFiles.filter((file) => file.endsWith("_EXC.json5"));
    expect(invalid).toHaveLength(38);
    const unrecorded = invalid.filter((file) => !recordedError(file.slice(0, -".json5".length)));
    expect(unrecorded).toEqual([]);
  });

  for (const file of caseFiles) {
    const name = file.slice(0, -".json5".length);
    if (name.endsWith("_EXC")) {
      it(`${name}: rejects the pattern as AWS does`, () => {
        const { event, pattern } = loadCase(file);
        const run = () => testEventPattern(pattern, event);
        expect(run).toThrow(InvalidEventPatternError);
        const recorded = recordedError(name);
        if (recorded) expect(run).toThrow(expect.objectContaining({ message: recorded.Message }));
        if (recorded?.MessageRaw) {
          // The full text on the wire, with Jackson's location(s) in the pattern text.
          const awsMessage = withoutPlaceholders(recorded.MessageRaw);
          expect(run).toThrow(expect.objectContaining({ awsMessage }));
        }
      });
    } else {
      const matches = !name.endsWith("_NEG");
      it(`${name}: ${matches ? "matches" : "does not match"}`, () => {
        const { event, pattern } = loadCase(file);
        expect(testEventPattern(pattern, event)).toBe(matches);
      });
    }
  }

  it("complex_multi_key_event: keeps the last of two repeated keys, as AWS does", () => {
    const event = readFileSync(join(casesDir, "complex_multi_key_event.json"), "utf8");
    const pattern = readFileSync(join(casesDir, "complex_multi_key_event_pattern.json"), "utf8");
    expect(pattern.match(/"location"/g)).toHaveLength(2);
    expect(testEventPattern(pattern, event)).toBe(true);
  });
});

describe("malformed pattern text gets AWS's recorded parser messages", () => {
  const malformed = [
    "this is valid json but not a dict",
    "{'bad': 'quotation'}",
    '{"not": closed mark"',
    '["not", "a", "dict", "but valid json"]',
  ];
  const anEvent = pythonJson({
    id: "1",
    source: "test-source",
    "detail-type": "test-detail-type",
    account: "123456789012",
    region: "us-east-2",
    time: "2022-07-13T13:48:01Z",
  });

  for (const pattern of malformed) {
    it(`rejects ${pattern}`, () => {
      const answer = recorded(pattern, "invalid-pattern") as { Error: RecordedError } | undefined;
      expect(answer?.Error.Code).toBe("InvalidEventPatternException");
      const run = () => testEventPattern(pattern, anEvent);
      expect(run).toThrow(InvalidEventPatternError);
      // For parser errors AWS's recorded message already includes the location.
      expect(run).toThrow(expect.objectContaining({ awsMessage: answer?.Error.Message }));
    });
  }
});
