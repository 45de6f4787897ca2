import type { ExportBucket, Ledger, Ports } from "../ports.ts";
import { documents, s3 } from "./clients.ts";
import { exportBucket } from "./export-bucket.ts";
import { ledgerTable } from "./ledger-table.ts";
import { linkedName } from "./resources.ts";

// Each port is built on first use, so a function needs links only to what it really uses.
let ledger: Ledger | undefined;
let exports: ExportBucket | undefined;

const ports: Ports = {
  get ledger() {
    ledger ??= ledgerTable(documents, linkedName("Ledger"));
    return ledger;
  },
  get exports() {
    exports ??= exportBucket(s3, linkedName("Uploads"));
    return exports;
  },
  now: () => new Date(),
};

/** The real ports, from the resources this function is linked to. */
export function livePorts(): Ports {
  return ports;
}
