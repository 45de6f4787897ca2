import { describe, expect, it } from "vitest";
import { END_OF_INVOCATION, FunctionLogs, lineReader } from "../src/lambda/logs.ts";

describe("a function's output", () => {
  it("is split into lines across chunks, with end-of-invocation markers set apart", () => {
    const lines: string[] = [];
    const ends: string[] = [];
    const read = lineReader(
      (line) => lines.push(line),
      (id) => ends.push(id),
    );
    read("first li");
    read(Buffer.from("ne\nsecond\nunfinished"));
    read(`${END_OF_INVOCATION}req-1\n`);
    read(`${END_OF_INVOCATION}req-2\nnext`);
    expect(lines).toEqual(["first line", "second", "unfinished"]);
    expect(ends).toEqual(["req-1", "req-2"]);
  });

  it("is kept per function, newest lines within the limit, and printed as it comes", () => {
    const printed: string[] = [];
    const logs = new FunctionLogs((stream, line) => printed.push(`${stream}: ${line}`), 2);
    logs.append("A", "stdout", "a1");
    logs.append("B", "stderr", "b1");
    logs.append("A", "stdout", "a2");
    logs.append("A", "stderr", "a3");
    expect(logs.lines("A").map((l) => l.message)).toEqual(["a2", "a3"]);
    expect(logs.lines("B")).toMatchObject([{ stream: "stderr", message: "b1" }]);
    expect(logs.lines("C")).toEqual([]);
    expect(printed).toEqual(["stdout: a1", "stderr: b1", "stdout: a2", "stderr: a3"]);
  });
});
