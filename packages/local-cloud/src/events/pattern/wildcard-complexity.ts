/**
 * AWS refuses rules whose wildcards could keep too many partial matches alive at once
 * ("Rule is too complex"). event-ruler measures this on its byte machine: the most wildcard
 * pattern states one input could occupy simultaneously. This models that machine per pattern
 * (position states plus a self-looping state per `*`) and explores every reachable state set.
 * The limit is calibrated on AWS's answers: `*:*:*:*:*:event-bus/*` scores 11 and is refused,
 * while every pattern AWS accepted in the conformance set (and a pair of folder-and-extension
 * wildcards on one field, which AWS accepts where four are refused) scores 8 or less.
 */
export const WILDCARD_COMPLEXITY_LIMIT = 10;
export const TOO_COMPLEX =
  "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

const STAR = -1;
const ANY_OTHER_BYTE = 256;
const MAX_STATE_SETS = 20_000;

/** Bytes of the value as event-ruler stores it, quotes included; STAR for an unescaped `*`. */
function tokens(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  const out = [0x22];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x2a) out.push(STAR);
    else if (b === 0x5c) out.push(bytes[++i] as number);
    else out.push(b);
  }
  out.push(0x22);
  return out;
}

/** The highest number of live wildcard states (capped just above the limit). */
export function wildcardComplexity(texts: readonly string[]): number {
  const patterns = [...new Set(texts)].map(tokens);
  if (patterns.length === 0) return 0;
  const alphabet = new Set<number>([ANY_OTHER_BYTE]);
  for (const p of patterns) for (const b of p) if (b !== STAR) alphabet.add(b);
  // A state is 2*position (waiting at that position) or 2*position+1 (inside the `*` there).
  const seen = new Set<string>();
  const pending: number[][][] = [patterns.map(() => [0])];
  let worst = 0;
  while (pending.length > 0 && seen.size < MAX_STATE_SETS) {
    const current = pending.pop() as number[][];
    for (const byte of alphabet) {
      const next = patterns.map((p, i) => step(p, current[i] ?? [], byte));
      const score = next.reduce((sum, states, i) => sum + weight(patterns[i] ?? [], states), 0);
      if (score > WILDCARD_COMPLEXITY_LIMIT) return score;
      worst = Math.max(worst, score);
      const key = next.map((s) => s.join(",")).join("|");
      if (score > 0 && !seen.has(key)) {
        seen.add(key);
        pending.push(next);
      }
    }
  }
  return worst;
}

function step(pattern: readonly number[], states: readonly number[], byte: number): number[] {
  const out = new Set<number>();
  const literal = (position: number) => {
    if (position < pattern.length && pattern[position] === byte) out.add(2 * (position + 1));
  };
  for (const state of states) {
    const position = state >> 1;
    if (state % 2 === 1 || pattern[position] === STAR) {
      out.add(2 * position + 1);
      literal(position + 1);
    } else {
      literal(position);
    }
  }
  return [...out].sort((a, b) => a - b);
}

// A state arrived at just before a `*` also brings that `*`'s loop state into play.
function weight(pattern: readonly number[], states: readonly number[]): number {
  let total = states.length;
  for (const state of states) {
    const position = state >> 1;
    if (state % 2 === 0 && pattern[position] === STAR && !states.includes(state + 1)) total++;
  }
  return total;
}
