import { notFound, type Principal } from "@platform/http-api";
import type { FileRecord } from "../files.ts";
import type { Ports } from "../ports.ts";

/** The caller's own file; anyone else's answers exactly like a file that does not exist. */
export async function ownedFile(
  ports: Ports,
  principal: Principal,
  fileId: string,
): Promise<FileRecord> {
  const file = await ports.files.get(fileId);
  if (!file || file.ownerId !== principal.ownerId) throw notFound(`no file ${fileId}`);
  return file;
}
