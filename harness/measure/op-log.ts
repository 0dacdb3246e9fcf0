import { ERROR_CLASSES } from "./errors.js";
import type { OpOutcome } from "./op-stats.js";

const OK = 255;

/** An op log's contents as plain typed arrays: what a driver thread transfers to the run's thread. */
export interface OpLogChunk {
  length: number;
  intended: Float64Array;
  sentUs: Uint32Array;
  doneUs: Uint32Array;
  kindCode: Uint8Array;
  outcome: Uint8Array;
}

/** A chunk as JSON can carry it (each array's bytes in base64): what a driver on another host sends over its stream. */
export interface EncodedChunk {
  length: number;
  intended: string;
  sentUs: string;
  doneUs: string;
  kindCode: string;
  outcome: string;
}

/** A typed array's bytes in base64, and back (in a buffer of their own, aligned for any typed array): how JSON carries them. */
export const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
export const bytes = (text: string) => {
  const b = Buffer.from(text, "base64");
  const copy = new ArrayBuffer(b.byteLength);
  new Uint8Array(copy).set(b);
  return copy;
};

export function encodeChunk(c: OpLogChunk): EncodedChunk {
  return { length: c.length, intended: b64(c.intended), sentUs: b64(c.sentUs), doneUs: b64(c.doneUs), kindCode: b64(c.kindCode), outcome: b64(c.outcome) };
}

export function decodeChunk(e: EncodedChunk): OpLogChunk {
  return {
    length: e.length,
    intended: new Float64Array(bytes(e.intended)),
    sentUs: new Uint32Array(bytes(e.sentUs)),
    doneUs: new Uint32Array(bytes(e.doneUs)),
    kindCode: new Uint8Array(bytes(e.kindCode)),
    outcome: new Uint8Array(bytes(e.outcome)),
  };
}

/**
 * Every finished operation, compactly (18 bytes: intended start, send and reply offsets, kind, outcome), so that
 * phases are assigned after the run, once every fault has marked when it really took effect: a fault that learns its
 * start time late (a SIGKILL whose engine answers 200 ms after the process died) still gets its operations.
 */
export class OpLog {
  private intended = new Float64Array(1 << 14);
  private sentUs = new Uint32Array(1 << 14);
  private doneUs = new Uint32Array(1 << 14);
  private kindCode = new Uint8Array(1 << 14); // 0 read, 1 write
  private outcome = new Uint8Array(1 << 14); // OK, or the index of the error class
  length = 0;

  add(op: OpOutcome): void {
    if (this.length === this.outcome.length) this.grow();
    const i = this.length++;
    this.intended[i] = op.intendedMs;
    this.sentUs[i] = Math.max(0, Math.round((op.sentMs - op.intendedMs) * 1000));
    this.doneUs[i] = Math.max(0, Math.round((op.doneMs - op.intendedMs) * 1000));
    this.kindCode[i] = op.kind === "write" ? 1 : 0;
    this.outcome[i] = op.error === undefined ? OK : ERROR_CLASSES.indexOf(op.error);
  }

  /** Operation i's intended start and reply time on the run clock, without building its outcome. */
  intendedAt(i: number): number {
    return this.intended[i];
  }

  doneAt(i: number): number {
    return this.intended[i] + this.doneUs[i] / 1000;
  }

  /** Operation i as an outcome (times rebuilt to the µs). */
  at(i: number): OpOutcome {
    const intendedMs = this.intended[i];
    const o = this.outcome[i];
    return {
      kind: this.kindCode[i] ? "write" : "read",
      intendedMs,
      sentMs: intendedMs + this.sentUs[i] / 1000,
      doneMs: intendedMs + this.doneUs[i] / 1000,
      ...(o === OK ? {} : { error: ERROR_CLASSES[o] }),
    };
  }

  /** Everything logged so far, as arrays of its own (transferable), and the log starts empty again. */
  drain(): OpLogChunk {
    const n = this.length;
    this.length = 0;
    return {
      length: n,
      intended: this.intended.slice(0, n),
      sentUs: this.sentUs.slice(0, n),
      doneUs: this.doneUs.slice(0, n),
      kindCode: this.kindCode.slice(0, n),
      outcome: this.outcome.slice(0, n),
    };
  }

  /** A log holding a drained chunk (read with at()). */
  static of(c: OpLogChunk): OpLog {
    const log = new OpLog();
    Object.assign(log, c);
    return log;
  }

  /** Writes only, ordered by intended start: what availability (RTO) is computed from. */
  writesByIntendedStart(): { t: Float64Array; ok: Uint8Array; latencyMs: Float64Array } {
    const idx: number[] = [];
    for (let i = 0; i < this.length; i++) if (this.kindCode[i]) idx.push(i);
    idx.sort((a, b) => this.intended[a] - this.intended[b]);
    return {
      t: Float64Array.from(idx, (i) => this.intended[i]),
      ok: Uint8Array.from(idx, (i) => (this.outcome[i] === OK ? 1 : 0)),
      latencyMs: Float64Array.from(idx, (i) => this.doneUs[i] / 1000),
    };
  }

  private grow(): void {
    const n = this.outcome.length * 2;
    const grow = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.intended = grow(this.intended, (k) => new Float64Array(k));
    this.sentUs = grow(this.sentUs, (k) => new Uint32Array(k));
    this.doneUs = grow(this.doneUs, (k) => new Uint32Array(k));
    this.kindCode = grow(this.kindCode, (k) => new Uint8Array(k));
    this.outcome = grow(this.outcome, (k) => new Uint8Array(k));
  }
}
