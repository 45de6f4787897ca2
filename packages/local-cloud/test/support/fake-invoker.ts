import type { FunctionInvoker } from "../../src/apigateway/ports.ts";

export type InvokeResult = Awaited<ReturnType<FunctionInvoker["invoke"]>>;

export const returns = (value: unknown): InvokeResult => ({
  ok: true,
  payload: JSON.stringify(value),
});

/** Records every event a door sends and answers with whatever the test scripted for the function. */
export class FakeInvoker<Event> implements FunctionInvoker {
  calls: { name: string; event: Event }[] = [];
  scripts = new Map<string, (event: Event) => InvokeResult | Promise<InvokeResult>>();
  async invoke(name: string, payload: string): Promise<InvokeResult> {
    const event = JSON.parse(payload) as Event;
    this.calls.push({ name, event });
    const script = this.scripts.get(name);
    return script ? script(event) : returns({ statusCode: 200, body: "ok" });
  }
}
