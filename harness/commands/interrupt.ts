import { EXIT } from "../infra/errors.js";

/**
 * Ctrl-C / SIGTERM: the first stops the load, writes what was measured and removes the containers (through the
 * returned signal); a second exits at once and leaves the cleanup to the reaper.
 */
export function interruptSignal(): AbortSignal {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: string) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(`\n[harness] ${sig} again: exiting now; the reaper removes the containers within seconds.\n`);
      process.exit(EXIT.interrupted);
    }
    process.stderr.write(`\n[harness] ${sig}: stopping the load, writing the report, removing containers (again to force)\n`);
    abort.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  return abort.signal;
}
