/** Where in the pattern text AWS's JSON parser stood when it gave up (1-based, as Jackson counts). */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

const PREFIX = "Event pattern is not valid. Reason: ";
// Jackson quotes at most this much of the source in a location.
const MAX_QUOTED_SOURCE = 500;

/**
 * The pattern breaks EventBridge's grammar. `message` is AWS's message without Jackson's
 * " at [Source: …]" suffixes (the form the conformance snapshot compares); `awsMessage` is the
 * full text AWS puts on the wire.
 */
export class InvalidEventPatternError extends Error {
  override readonly name = "InvalidEventPatternException";
  readonly awsMessage: string;

  constructor(
    readonly reason: string,
    source?: string,
    locations: readonly SourceLocation[] = [],
  ) {
    super(PREFIX + reason);
    const suffix = source === undefined ? "" : locations.map((at) => describe(source, at)).join("");
    this.awsMessage = PREFIX + reason + suffix;
  }
}

/** TestEventPattern's answer to an event that is not a JSON object with the envelope fields. */
export class InvalidEventError extends Error {
  override readonly name = "ValidationException";
  constructor(message = "Parameter Event is not valid.") {
    super(message);
  }
}

/** Jackson's `JsonLocation` text, as appended to a parse error's message. */
export function describeLocation(source: string, at: SourceLocation): string {
  const quoted =
    source.length > MAX_QUOTED_SOURCE
      ? `"${source.slice(0, MAX_QUOTED_SOURCE)}"[truncated ${source.length - MAX_QUOTED_SOURCE} chars]`
      : `"${source}"`;
  return `[Source: (String)${quoted}; line: ${at.line}, column: ${at.column}]`;
}

const describe = (source: string, at: SourceLocation) => `\n at ${describeLocation(source, at)}`;
