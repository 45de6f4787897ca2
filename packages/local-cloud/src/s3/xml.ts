import { XMLParser, XMLValidator } from "fast-xml-parser";
import { escapeXml } from "../xml-escape.ts";
import { malformedXml } from "./error-codes.ts";

/** S3's XML: a small builder for responses and a parser for request bodies. */

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** `<name>value</name>`, or nothing when the value is undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? "" : `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>…</name>` around already built children. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join("")}</${name}>`;
}

/** A whole response body: declaration and root element in the S3 namespace. */
export function xmlDocument(root: string, ...children: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${children.join("")}</${root}>`;
}

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  removeNSPrefix: true,
  // Keys like " 007 " or "1e3" must stay exactly as sent.
  parseTagValue: false,
  trimValues: false,
  // Also decodes numeric character references (&#13;), which S3 clients use for control characters.
  htmlEntities: true,
});

/** Parses a request body; anything that is not well-formed XML is S3's MalformedXML. */
export function parseXml(text: string): XmlNode {
  if (text.trim() === "" || XMLValidator.validate(text) !== true) throw malformedXml();
  return parser.parse(text) as XmlNode;
}

/** The child elements called `name` (none, one or many), skipping text. */
export function children(parent: XmlValue | undefined, name: string): XmlValue[] {
  if (parent === undefined || typeof parent === "string" || Array.isArray(parent)) return [];
  const value = parent[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The text of the single child element `name`; undefined when it is missing. */
export function text(parent: XmlValue | undefined, name: string): string | undefined {
  const [value] = children(parent, name);
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : "";
}
