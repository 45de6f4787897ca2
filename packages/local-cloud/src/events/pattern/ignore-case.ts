/**
 * equals-ignore-case (alone or inside prefix, suffix, anything-but). event-ruler accepts, for
 * each character of the pattern, the character itself or its lower- or upper-case form; a
 * regular expression with one alternation per character says the same.
 */
export type IgnoreCaseAnchor = "whole" | "prefix" | "suffix";

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

export function ignoreCaseMatcher(pattern: string, anchor: IgnoreCaseAnchor): RegExp {
  const body = [...pattern]
    .map((c) => {
      const forms = [...new Set([c, c.toLowerCase(), c.toUpperCase()])].map(escapeRegExp);
      return forms.length === 1 ? forms[0] : `(?:${forms.join("|")})`;
    })
    .join("");
  const start = anchor === "suffix" ? "" : "^";
  const end = anchor === "prefix" ? "" : "$";
  return new RegExp(`${start}${body}${end}`, "u");
}
