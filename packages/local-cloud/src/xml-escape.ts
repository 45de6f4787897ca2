const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Escapes text for the XML that S3 and SNS answer with; control characters (legal in S3 keys
 * and SNS messages) become character references, so they survive parsing.
 */
export function escapeXml(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it matches
    /[&<>"'\u0000-\u0008\u000b-\u001f]/g,
    (c) => ESCAPES[c] ?? `&#${c.charCodeAt(0)};`,
  );
}
