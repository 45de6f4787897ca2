import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** What to do to try a dead letter again. */
export type Redrive =
  | { kind: "rule"; bus: string; rule: string; event: unknown }
  | { kind: "lambda"; functionName: string; payload: string }
  /** An SNS notification an HTTP(S) subscriber kept refusing: the signed request, as it was sent. */
  | { kind: "http"; url: string; headers: Record<string, string>; body: string };

export interface DeadLetter {
  id: string;
  queue: string;
  /** Why it died: the last error, as the target reported it. */
  error: { code: string; message: string };
  attempts: number;
  firstAttemptAt: string;
  deadAt: string;
  redrive: Redrive;
}

/**
 * Dead-letter queues on disk, one folder per queue and one file per message, written atomically
 * so that a crash never leaves half a message. The local stand-in for the SQS queues the stacks
 * attach to every rule and every asynchronously invoked function.
 */
export class DeadLetters {
  constructor(private readonly root: string) {}

  async put(
    queue: string,
    letter: Omit<DeadLetter, "id" | "queue" | "deadAt">,
  ): Promise<DeadLetter> {
    const full: DeadLetter = {
      id: randomUUID(),
      queue,
      deadAt: new Date().toISOString(),
      ...letter,
    };
    const dir = join(this.root, queue);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${full.id}.tmp`);
    await writeFile(temp, JSON.stringify(full));
    await rename(temp, join(dir, `${full.deadAt.replace(/[:.]/g, "")}-${full.id}.json`));
    return full;
  }

  async queues(): Promise<string[]> {
    try {
      return (await readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  }

  /** Messages in the order they died. */
  async list(queue: string): Promise<DeadLetter[]> {
    let names: string[];
    try {
      names = (await readdir(join(this.root, queue))).filter((n) => n.endsWith(".json")).sort();
    } catch {
      return [];
    }
    return Promise.all(
      names.map(
        async (n) => JSON.parse(await readFile(join(this.root, queue, n), "utf8")) as DeadLetter,
      ),
    );
  }

  async remove(letter: DeadLetter): Promise<void> {
    const names = await readdir(join(this.root, letter.queue));
    const name = names.find((n) => n.endsWith(`-${letter.id}.json`));
    if (name) await rm(join(this.root, letter.queue, name), { force: true });
  }
}
