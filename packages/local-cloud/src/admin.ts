import type { IncomingMessage, ServerResponse } from "node:http";
import type { DeadLetter, DeadLetters } from "./dead-letters.ts";
import type { EventBridge } from "./events/bus.ts";
import type { Scheduler } from "./events/scheduler.ts";
import { sendJson } from "./http.ts";
import type { LambdaRuntime } from "./lambda/runtime.ts";

interface AdminContext {
  deadLetters: DeadLetters;
  events: EventBridge;
  lambda: LambdaRuntime;
  scheduler: Scheduler;
}

/**
 * Tries a dead letter again. An event a rule could not hand over is handed over again; an event a
 * function kept failing on is run again, synchronously, so the answer says whether it now works.
 * A letter leaves its queue only once it has gone through.
 */
export async function redrive(
  context: AdminContext,
  letter: DeadLetter,
): Promise<{ ok: boolean; error?: string }> {
  const { redrive: how } = letter;
  if (how.kind === "http") {
    const response = await fetch(how.url, {
      method: "POST",
      headers: how.headers,
      body: how.body,
    }).catch((error: Error) => ({ ok: false, status: error.message }));
    if (!response.ok) return { ok: false, error: `the subscriber answered ${response.status}` };
  } else if (how.kind === "lambda") {
    const name = context.lambda.resolve(how.functionName);
    if (!name) return { ok: false, error: `function ${how.functionName} no longer exists` };
    const result = await context.lambda.invoke(name, how.payload);
    if (!result.ok)
      return { ok: false, error: `${result.error.errorType}: ${result.error.errorMessage}` };
  } else {
    const rule = context.events.rule(how.bus, how.rule);
    if (!rule) return { ok: false, error: `rule ${how.rule} no longer exists on ${how.bus}` };
    const once = {
      ...rule,
      retry: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
      deadLetterQueue: undefined,
    };
    for (const target of rule.targets) {
      if (!(await context.events.deliver(once, target, how.event as never)))
        return { ok: false, error: `still undeliverable to ${target.id}` };
    }
  }
  await context.deadLetters.remove(letter);
  return { ok: true };
}

/** The local cloud's own endpoints: health, dead letters to list and redrive, schedules to run. */
export function createAdminApi(context: AdminContext) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://local").pathname;
    if (req.method === "GET" && path === "/_local/health") {
      return sendJson(res, 200, {
        ok: true,
        functions: context.lambda.names(),
        buses: context.events.busNames(),
        schedules: context.scheduler.ids(),
      });
    }
    const schedule = /^\/_local\/schedules\/([^/]+)\/run$/.exec(path);
    if (req.method === "POST" && schedule?.[1]) {
      const id = decodeURIComponent(schedule[1]);
      if (!context.scheduler.run(id))
        return sendJson(res, 404, { message: `no such schedule: ${id}` });
      return sendJson(res, 202, { schedule: id });
    }
    if (req.method === "GET" && path === "/_local/dead-letters") {
      const queues = await context.deadLetters.queues();
      const counts = await Promise.all(
        queues.map(async (name) => ({
          name,
          count: (await context.deadLetters.list(name)).length,
        })),
      );
      return sendJson(res, 200, { queues: counts });
    }
    const match = /^\/_local\/dead-letters\/([^/]+)(\/redrive)?$/.exec(path);
    if (match?.[1]) {
      const queue = decodeURIComponent(match[1]);
      const letters = await context.deadLetters.list(queue);
      if (req.method === "GET" && !match[2]) return sendJson(res, 200, { queue, letters });
      if (req.method === "POST" && match[2]) {
        const results = [];
        for (const letter of letters)
          results.push({ id: letter.id, ...(await redrive(context, letter)) });
        return sendJson(res, 200, {
          queue,
          redriven: results.filter((r) => r.ok).length,
          failed: results.filter((r) => !r.ok),
        });
      }
    }
    sendJson(res, 404, { message: `no such local endpoint: ${req.method} ${path}` });
  };
}
