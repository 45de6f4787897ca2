import { createHash, generateKeyPair, type KeyObject, randomBytes, sign } from "node:crypto";

/**
 * SNS signs every message it sends so a receiver can check it came from SNS. Locally the key is an
 * RSA key made at start and the certificate a self-signed X.509 built here (node:crypto parses
 * certificates but cannot issue one), served at the SigningCertURL like AWS's.
 */
export interface Signer {
  certificatePem: string;
  /** `SimpleNotificationService-<id>.pem`, the file name AWS gives its signing certificates. */
  certificateName: string;
  /** SignatureVersion 1 signs with SHA1withRSA, 2 with SHA256withRSA; the signature is base64. */
  sign(text: string, version: string): string;
}

/** The fields SNS signs, in its order, for each message type; absent ones (Subject) are skipped. */
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: [
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
  ],
};
SIGNED_FIELDS.UnsubscribeConfirmation = SIGNED_FIELDS.SubscriptionConfirmation ?? [];

/** `Name\nvalue\n` for each signed field, the string AWS documents for signature verification. */
export function stringToSign(message: Record<string, string | undefined>): string {
  const fields = SIGNED_FIELDS[message.Type ?? ""] ?? [];
  return fields
    .filter((name) => message[name] !== undefined)
    .map((name) => `${name}\n${message[name]}\n`)
    .join("");
}

export async function createSigner(now = new Date()): Promise<Signer> {
  const { privateKey, publicKey } = await new Promise<{
    privateKey: KeyObject;
    publicKey: KeyObject;
  }>((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (error, publicKey, privateKey) =>
      error ? reject(error) : resolve({ publicKey, privateKey }),
    ),
  );
  const certificate = selfSignedCertificate(publicKey, privateKey, now);
  const base64 = certificate.toString("base64").replace(/.{64}/g, "$&\n");
  const id = createHash("sha256").update(certificate).digest("hex").slice(0, 32);
  return {
    certificatePem: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
    certificateName: `SimpleNotificationService-${id}.pem`,
    sign: (text, version) =>
      sign(version === "2" ? "sha256" : "sha1", Buffer.from(text), privateKey).toString("base64"),
  };
}

// A minimal DER writer: just what one certificate needs.
function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const size: number[] = [];
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) size.unshift(n % 256);
  const length = body.length < 0x80 ? [body.length] : [0x80 | size.length, ...size];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

const sequence = (...content: Buffer[]) => der(0x30, ...content);

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [40 * first + second];
  for (const n of rest) {
    const base128 = [n % 128];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128))
      base128.unshift(0x80 | (v % 128));
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

/** UTCTime, YYMMDDHHMMSSZ. */
function utcTime(date: Date): Buffer {
  const iso = date.toISOString();
  return der(
    0x17,
    Buffer.from(
      `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`,
    ),
  );
}

function selfSignedCertificate(publicKey: KeyObject, privateKey: KeyObject, now: Date): Buffer {
  const sha256WithRsa = sequence(oid("1.2.840.113549.1.1.11"), Buffer.from([0x05, 0x00]));
  const name = sequence(
    der(0x31, sequence(oid("2.5.4.3"), der(0x0c, Buffer.from("sns.local-cloud")))),
  );
  const serial = randomBytes(8);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive and never zero
  const day = 24 * 60 * 60 * 1000;
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    sha256WithRsa,
    name,
    sequence(utcTime(new Date(now.getTime() - day)), utcTime(new Date(now.getTime() + 3650 * day))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = sign("sha256", tbs, privateKey);
  return sequence(tbs, sha256WithRsa, der(0x03, Buffer.from([0]), signature));
}
