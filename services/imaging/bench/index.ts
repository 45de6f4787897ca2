/** Every benchmark of the imaging service, one after another; a new one is one more entry. */
const benches: Array<() => Promise<void>> = [
  () => import("./pipeline.ts").then((bench) => bench.benchPipeline()),
  () => import("./platform.ts").then((bench) => bench.benchPlatform()),
];

for (const bench of benches) await bench();

export {}; // a module, for top-level await
