export * from "./platform.ts";
export * from "./proxy.ts";
export * from "./schedule.ts";
export * from "./types.ts";
export * from "./validate.ts";
export * from "./wiring.ts";
