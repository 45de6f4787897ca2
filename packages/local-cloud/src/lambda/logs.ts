/** One line a function wrote, as CloudWatch Logs would keep it. */
export interface FunctionLogLine {
  timestamp: number;
  stream: "stdout" | "stderr";
  message: string;
}

/**
 * Every function's output lines, kept per function (newest `limit` of each) so tests can read a
 * function's log as they would its log group, and still printed to the platform's own output.
 */
export class FunctionLogs {
  private readonly byFunction = new Map<string, FunctionLogLine[]>();

  constructor(
    private readonly forward: (stream: "stdout" | "stderr", line: string) => void = (s, line) =>
      process[s].write(`${line}\n`),
    private readonly limit = 10_000,
  ) {}

  append(functionName: string, stream: "stdout" | "stderr", message: string): void {
    const lines = this.byFunction.get(functionName) ?? [];
    this.byFunction.set(functionName, lines);
    lines.push({ timestamp: Date.now(), stream, message });
    if (lines.length > this.limit) lines.splice(0, lines.length - this.limit);
    this.forward(stream, message);
  }

  lines(functionName: string): FunctionLogLine[] {
    return [...(this.byFunction.get(functionName) ?? [])];
  }
}

/**
 * Written by the worker after each invocation on both streams, so the pool knows every line the
 * handler wrote has arrived before it answers. Never stored nor printed.
 */
export const END_OF_INVOCATION = "\u0000local-cloud:end ";

/** Splits a stream into lines, handing end-of-invocation markers apart. */
export function lineReader(
  onLine: (line: string) => void,
  onEnd: (requestId: string) => void,
): (chunk: Buffer | string) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk.toString();
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const marker = line.indexOf(END_OF_INVOCATION);
      if (marker === -1) onLine(line);
      else {
        // A handler's last write may lack its newline: the marker then ends that line.
        if (marker > 0) onLine(line.slice(0, marker));
        onEnd(line.slice(marker + END_OF_INVOCATION.length));
      }
      newline = pending.indexOf("\n");
    }
  };
}
