/**
 * Every write's intended start and outcome, in typed arrays (9 bytes a write), so availability can be computed
 * exactly after the run. Writes are appended in completion order; `sorted()` orders them by intended start.
 */
export class WriteLog {
  private t = new Float64Array(1 << 14);
  private ok = new Uint8Array(1 << 14);
  length = 0;

  add(intendedMs: number, succeeded: boolean): void {
    if (this.length === this.t.length) {
      const t = new Float64Array(this.t.length * 2);
      t.set(this.t);
      this.t = t;
      const ok = new Uint8Array(this.ok.length * 2);
      ok.set(this.ok);
      this.ok = ok;
    }
    this.t[this.length] = intendedMs;
    this.ok[this.length] = succeeded ? 1 : 0;
    this.length++;
  }

  /** Intended starts and outcomes, ordered by intended start. */
  sorted(): { t: Float64Array; ok: Uint8Array } {
    const idx = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => this.t[a] - this.t[b]);
    const t = new Float64Array(this.length);
    const ok = new Uint8Array(this.length);
    idx.forEach((from, to) => {
      t[to] = this.t[from];
      ok[to] = this.ok[from];
    });
    return { t, ok };
  }
}
