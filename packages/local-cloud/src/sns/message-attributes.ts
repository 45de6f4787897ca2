import { parameterValueInvalid } from "./errors.ts";
import type { QueryParams } from "./query.ts";

/** A message attribute as Publish takes it (the SDK's MessageAttributeValue). */
export interface MessageAttributeInput {
  DataType: string;
  StringValue?: string;
  /** Base64, as the SDK sends blobs on the wire. */
  BinaryValue?: string;
}

/** A validated attribute: its type and its value as text (Binary stays base64), as SNS hands it on. */
export interface MessageAttribute {
  type: string;
  value: string;
}

export type MessageAttributes = Map<string, MessageAttribute>;

const NAME = /^(?!\.)(?!.*\.$)(?!.*\.\.)[A-Za-z0-9_.-]+$/;

/** `MessageAttributes.entry.N.Name` and `….Value.DataType/StringValue/BinaryValue`. */
export function readMessageAttributes(
  params: QueryParams,
  name = "MessageAttributes",
): Record<string, MessageAttributeInput> {
  // No prototype, so an attribute called __proto__ is just a name.
  const out: Record<string, MessageAttributeInput> = Object.create(null);
  for (const entry of params.entries(name)) {
    const value = entry.at("Value");
    out[entry.get("Name") ?? ""] = {
      DataType: value.get("DataType") ?? "",
      StringValue: value.get("StringValue"),
      BinaryValue: value.get("BinaryValue"),
    };
  }
  return out;
}

/** Checks attributes the way Publish does, in SNS's words, and returns them ready to deliver. */
export function validateMessageAttributes(
  input: Record<string, MessageAttributeInput> | undefined,
): MessageAttributes {
  const out: MessageAttributes = new Map();
  for (const [name, attribute] of Object.entries(input ?? {})) {
    validateName(name);
    const type = attribute.DataType;
    const base = type.split(".")[0] ?? "";
    if (!["String", "Number", "Binary"].includes(base))
      throw parameterValueInvalid(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    const field = base === "Binary" ? "Binary" : "String";
    const value = base === "Binary" ? attribute.BinaryValue : attribute.StringValue;
    if (value === undefined && (attribute.BinaryValue ?? attribute.StringValue) !== undefined)
      throw parameterValueInvalid(
        `The message attribute '${name}' with type '${type}' must use field '${field}'.`,
      );
    if (!value)
      throw parameterValueInvalid(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    if (base === "Number" && !Number.isFinite(Number(value)))
      throw parameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
    if (type === "String.Array" && !isJsonArray(value))
      throw parameterValueInvalid(
        `The message attribute '${name}' with type 'String.Array' must be a JSON array.`,
      );
    out.set(name, { type, value });
  }
  return out;
}

function validateName(name: string): void {
  if (name.length > 256)
    throw parameterValueInvalid("Length of message attribute name must be less than 256 bytes.");
  if (NAME.test(name)) return;
  if (name.startsWith("."))
    throw parameterValueInvalid(
      "Invalid message attribute name starting with character '.' was found.",
    );
  if (name.endsWith("."))
    throw parameterValueInvalid(
      "Invalid message attribute name ending with character '.' was found.",
    );
  if (name.includes(".."))
    throw parameterValueInvalid("Message attribute name can not have successive '.' character.");
  const bad = [...name].find((c) => !/[A-Za-z0-9_.-]/.test(c)) ?? "";
  throw parameterValueInvalid(
    `Invalid non-alphanumeric character '#x${bad.codePointAt(0)?.toString(16).toUpperCase()}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`,
  );
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Name, type and value all count toward the 256 KB message limit. */
export function attributesSize(attributes: MessageAttributes): number {
  let size = 0;
  for (const [name, { type, value }] of attributes)
    size += Buffer.byteLength(name) + Buffer.byteLength(type) + Buffer.byteLength(value);
  return size;
}

/** `{ name: { Type, Value } }`, the shape both HTTP notifications and the Lambda event carry. */
export function attributesJson(
  attributes: MessageAttributes,
): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [name, { type, value }] of attributes) out[name] = { Type: type, Value: value };
  return out;
}
