import type { Recorder } from "../measure/recorder.js";
import { formatUs } from "../infra/units.js";

/**
 * Progress on the terminal (stderr, so stdout stays parseable): steps as lines, and while the load runs one status
 * line a second (rewritten in place on a TTY, printed every 5 s otherwise).
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  step(msg: string): void {
    if (this.quiet) return;
    this.clearLine();
    this.out.write(`[harness] ${msg}\n`);
  }

  startLoad(durationS: number, recorder: Recorder, clock: () => number, phaseNow: () => string): void {
    if (this.quiet) return;
    let ticks = 0;
    this.timer = setInterval(() => {
      ticks++;
      if (!this.tty && ticks % 5 !== 0) return;
      const t = clock() / 1000;
      const last = recorder.window(Math.max(0, Math.floor(t) - 1))?.summary();
      const line =
        `[load] ${t.toFixed(0).padStart(4)}s/${durationS}s ${phaseNow().padEnd(8)} ops ${recorder.ops} errors ${recorder.failed}` +
        (last ? ` | last second: ${last.ops} ops, p99 ${formatUs(last.latency.p99Us)}, max ${formatUs(last.latency.maxUs)}` : "");
      if (this.tty) this.out.write(`\r\x1b[2K${line}`);
      else this.out.write(`${line}\n`);
    }, 1000);
    this.timer.unref();
  }

  stopLoad(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clearLine();
  }

  private clearLine(): void {
    if (this.tty) this.out.write("\r\x1b[2K");
  }
}
