/**
 * What each purpose accepts: one table, so the API, the form upload and the docs agree.
 * `entity` says whose path a file goes under: the caller's own (`owner`), a caller-chosen id that
 * may default to the caller (`optional`), or an id the caller must give, such as a chat room.
 */
export type EntityRule = "owner" | "optional" | "required";

export interface Purpose {
  description: string;
  contentTypes: readonly string[];
  maxBytes: number;
  entity: EntityRule;
}

const MB = 1024 * 1024;
const IMAGES = ["image/jpeg", "image/png", "image/webp", "image/avif", "image/gif"] as const;
const VIDEOS = ["video/mp4", "video/quicktime", "video/webm"] as const;

export const PURPOSES = {
  profile: {
    description: "A user's profile picture.",
    contentTypes: IMAGES,
    maxBytes: 10 * MB,
    entity: "owner",
  },
  feed: {
    description: "Photos and videos posted to a feed.",
    contentTypes: [...IMAGES, ...VIDEOS],
    maxBytes: 500 * MB,
    entity: "optional",
  },
  chatroom: {
    description: "A chat room's cover image.",
    contentTypes: IMAGES,
    maxBytes: 10 * MB,
    entity: "required",
  },
  chat: {
    description: "Files sent in a chat room: images, videos and documents.",
    contentTypes: [...IMAGES, ...VIDEOS, "application/pdf", "text/plain"],
    maxBytes: 500 * MB,
    entity: "required",
  },
  "chat-profile": {
    description: "A user's picture inside chat.",
    contentTypes: IMAGES,
    maxBytes: 10 * MB,
    entity: "owner",
  },
} as const satisfies Record<string, Purpose>;

export type PurposeName = keyof typeof PURPOSES;
export const PURPOSE_NAMES = Object.keys(PURPOSES) as [PurposeName, ...PurposeName[]];

/** The extension a stored key gets: chosen from the content type, never from the client's name. */
const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/avif": "avif",
  "image/gif": "gif",
  "video/mp4": "mp4",
  "video/quicktime": "mov",
  "video/webm": "webm",
  "application/pdf": "pdf",
  "text/plain": "txt",
};

export function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType] ?? "bin";
}

export function allows(purpose: Purpose, contentType: string): boolean {
  return purpose.contentTypes.includes(contentType);
}
