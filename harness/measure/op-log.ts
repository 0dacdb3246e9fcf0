import { ERROR_CLASSES } from "./errors.js";
import { SpilledColumns } from "./spilled-columns.js";
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
 *
 * Bounded in memory, for soaks: operations are kept in segments of `segmentOps`, the newest `residentSegments` in
 * memory (the live second's tail is read from them) and the older ones spilled to a file of the log's own in the
 * temporary folder, read back one segment at a time by `ops()` after the load. A 2-hour run at 2,000 ops/s is 14.4M
 * operations, 259 MB in memory without this; with it, 4 segments of 65,536 (4.7 MB) and the rest on disk.
 */
export class OpLog {
  private rows: SpilledColumns<Field>;

  constructor(segmentOps = 1 << 16, residentSegments = 4) {
    this.rows = new SpilledColumns(COLUMNS, segmentOps, residentSegments, "oplog");
  }

  get length(): number {
    return this.rows.length;
  }

  add(op: OpOutcome): void {
    const j = this.rows.append();
    const s = this.rows.tail as Segment;
    s.intended[j] = op.intendedMs;
    s.sentUs[j] = Math.max(0, Math.round((op.sentMs - op.intendedMs) * 1000));
    s.doneUs[j] = Math.max(0, Math.round((op.doneMs - op.intendedMs) * 1000));
    s.kindCode[j] = op.kind === "write" ? 1 : 0;
    s.outcome[j] = op.error === undefined ? OK : ERROR_CLASSES.indexOf(op.error);
  }

  /** Operation i's intended start and reply time on the run clock, without building its outcome. */
  intendedAt(i: number): number {
    return this.rows.get("intended", i);
  }

  doneAt(i: number): number {
    return this.rows.get("intended", i) + this.rows.get("doneUs", i) / 1000;
  }

  /** Operation i as an outcome (times rebuilt to the µs). */
  at(i: number): OpOutcome {
    return outcomeAt(this.rows.segmentOf(i) as Segment, i % this.rows.segmentRows);
  }

  /** Every operation in the order logged, spilled segments read back one at a time. */
  *ops(): Generator<OpOutcome> {
    for (const { seg, rows } of this.rows.eachSegment()) for (let j = 0; j < rows; j++) yield outcomeAt(seg as Segment, j);
  }

  /** How many operations are held in memory now (the rest are on disk). */
  get residentOps(): number {
    return this.rows.residentRows;
  }

  /** The spill file, while there is one. */
  get spillFile(): string | null {
    return this.rows.spillFile;
  }

  /** Everything logged so far, as arrays of its own (transferable), and the log starts empty again. */
  drain(): OpLogChunk {
    const n = this.rows.length;
    const out = { length: n } as OpLogChunk;
    for (const f of FIELDS) (out as unknown as Record<Field, unknown>)[f] = this.rows.slice(f, 0, n);
    // A driver thread drains every 200 ms: its first segment is kept for the next operations, not made again.
    this.rows.reset();
    return out;
  }

  /** A log holding a drained chunk (read with at()). */
  static of(c: OpLogChunk): OpLog {
    const log = new OpLog(Math.max(1, c.length), 1);
    log.rows = SpilledColumns.holding<Field>(COLUMNS, c, c.length);
    return log;
  }

  /** Writes only, ordered by intended start: what availability (RTO) is computed from. */
  writesByIntendedStart(): { t: Float64Array; ok: Uint8Array; latencyMs: Float64Array } {
    // Typed arrays throughout (21 B a write with the sort's index: a soak has millions), in one pass over the log (a
    // spilled log is read from disk once), grown by doubling.
    let t = new Float64Array(1 << 12);
    let ok = new Uint8Array(t.length);
    let latencyMs = new Float64Array(t.length);
    let n = 0;
    for (const op of this.ops()) {
      if (op.kind !== "write") continue;
      if (n === t.length) [t, ok, latencyMs] = [grown(t, Float64Array), grown(ok, Uint8Array), grown(latencyMs, Float64Array)];
      t[n] = op.intendedMs;
      ok[n] = op.error === undefined ? 1 : 0;
      latencyMs[n++] = op.doneMs - op.intendedMs;
    }
    const order = new Uint32Array(n).map((_, i) => i).sort((a, b) => t[a] - t[b] || a - b);
    return { t: Float64Array.from(order, (i) => t[i]), ok: Uint8Array.from(order, (i) => ok[i]), latencyMs: Float64Array.from(order, (i) => latencyMs[i]) };
  }

  /** Removes the spill file (the log's memory is the garbage collector's). Idempotent. */
  close(): void {
    this.rows.close();
  }
}

type Segment = Omit<OpLogChunk, "length">;
type Field = keyof Segment;
const COLUMNS = { intended: Float64Array, sentUs: Uint32Array, doneUs: Uint32Array, kindCode: Uint8Array, outcome: Uint8Array };
const FIELDS = Object.keys(COLUMNS) as Field[];

/** A copy twice as long, the values kept. */
function grown<T extends Float64Array | Uint8Array>(a: T, make: new (n: number) => T): T {
  const b = new make(a.length * 2);
  b.set(a);
  return b;
}

function outcomeAt(s: Segment, j: number): OpOutcome {
  const intendedMs = s.intended[j];
  const o = s.outcome[j];
  return {
    kind: s.kindCode[j] ? "write" : "read",
    intendedMs,
    sentMs: intendedMs + s.sentUs[j] / 1000,
    doneMs: intendedMs + s.doneUs[j] / 1000,
    ...(o === OK ? {} : { error: ERROR_CLASSES[o] }),
  };
}
