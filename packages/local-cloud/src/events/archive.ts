import { createReadStream } from "node:fs";
import { appendFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { BusEvent } from "./bus.ts";

/**
 * A bus's archive: every event, one JSON line each, in a file per UTC day of the event's time.
 * Replayed events are not archived again, as in EventBridge.
 */
export class EventArchive {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly bus: string,
    private readonly dir: string,
  ) {}

  /** Appends in arrival order; appends are chained so lines never interleave. */
  append(event: BusEvent): Promise<void> {
    const day = event.time.slice(0, 10);
    this.writing = this.writing
      .then(() => mkdir(this.dir, { recursive: true }))
      .then(() => appendFile(join(this.dir, `${day}.jsonl`), `${JSON.stringify(event)}\n`));
    return this.writing;
  }

  /** Archived events whose time is in [from, to), oldest day first. */
  async *between(from: Date, to: Date): AsyncGenerator<BusEvent> {
    await this.writing;
    let days: string[];
    try {
      days = (await readdir(this.dir)).filter((f) => f.endsWith(".jsonl")).sort();
    } catch {
      return;
    }
    const first = from.toISOString().slice(0, 10);
    const last = to.toISOString().slice(0, 10);
    for (const file of days) {
      const day = file.slice(0, 10);
      if (day < first || day > last) continue;
      const lines = createInterface({
        input: createReadStream(join(this.dir, file)),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      for await (const line of lines) {
        if (!line) continue;
        const event = JSON.parse(line) as BusEvent;
        const at = Date.parse(event.time);
        if (at >= from.getTime() && at < to.getTime()) yield event;
      }
    }
  }
}
