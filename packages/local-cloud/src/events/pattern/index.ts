export { compilePattern } from "./compile.ts";
export { InvalidEventError, InvalidEventPatternError, type SourceLocation } from "./errors.ts";
export { type CompiledPattern, matchesPattern } from "./match.ts";
export { RuleIndex } from "./rule-index.ts";
export { testEventPattern } from "./test-event-pattern.ts";
