import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

type Column = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;
type ColumnType = { new (n: number): Column; BYTES_PER_ELEMENT: number };
/** A segment: one typed array per column, each `segmentRows` long. */
export type Segment<K extends string> = Record<K, Column>;

/**
 * Rows of numbers in typed-array columns, kept in segments: the newest `residentSegments` in memory, older ones spilled
 * to a file of their own in the temporary folder and read back one segment at a time. What a run records per
 * operation, per write or per read grows with its length; this keeps it to a few segments in memory, whatever the
 * length (a 2-hour run at 2,000 ops/s logs 14.4M operations: 259 MB of op log alone).
 *
 * Appending is the hot path: `append()` gives the row's index in `tail`, the segment being filled, with no allocation.
 * A row may be set again after it was spilled (a reply that comes late): its bytes are written in place on disk.
 */
export class SpilledColumns<K extends string> {
  private segments: Array<Segment<K> | null> = [];
  private resident = 0;
  private spill: { dir: string; fd: number } | null = null;
  /** The spilled segment read last (reads mostly walk in order: one read per segment). */
  private loaded: { index: number; seg: Segment<K> } | null = null;
  private spare: Segment<K> | null = null;
  private readonly names: K[];
  /** Each column's offset inside a segment's bytes on disk, and a segment's size there. */
  private readonly offsets: Record<K, number>;
  private readonly segmentBytes: number;
  /** The segment being filled, and how many rows there are. */
  tail!: Segment<K>;
  length = 0;
  /** Which segments were written to the spill file (a segment let go before it was spilled is nowhere). */
  private onDisk: boolean[] = [];

  constructor(
    private readonly types: Record<K, ColumnType>,
    readonly segmentRows = 1 << 16,
    private readonly residentSegments = 4,
    /** Names the spill folder (redis-chaos-<label>-…), for whoever finds one. */
    private readonly label = "log",
  ) {
    this.names = Object.keys(types) as K[];
    let at = 0;
    this.offsets = {} as Record<K, number>;
    for (const k of this.names) {
      this.offsets[k] = at;
      at += types[k].BYTES_PER_ELEMENT * segmentRows;
    }
    this.segmentBytes = at;
  }

  /** A new row; its index in `tail` is returned (the row's number is `length - 1`). */
  append(): number {
    const j = this.length % this.segmentRows;
    if (j === 0) this.startSegment();
    this.length++;
    return j;
  }

  get(name: K, row: number): number {
    return this.segmentOf(row)[name][row % this.segmentRows];
  }

  set(name: K, row: number, v: number): void {
    const k = Math.floor(row / this.segmentRows);
    const j = row % this.segmentRows;
    const s = this.segments[k];
    if (s) {
      s[name][j] = v;
      return;
    }
    if (!this.onDisk[k] || !this.spill) throw new Error(`row ${row} was let go`);
    // Spilled: its bytes are written where they lie, and in the segment read last if that is the one.
    if (this.loaded?.index === k) this.loaded.seg[name][j] = v;
    const one = new this.types[name](1);
    one[0] = v;
    writeSync(this.spill.fd, new Uint8Array(one.buffer), 0, one.byteLength, k * this.segmentBytes + this.offsets[name] + j * one.byteLength);
  }

  /** The segment holding row `row` (read back if spilled); the row is at `row % segmentRows` in it. */
  segmentOf(row: number): Segment<K> {
    return this.segmentAt(Math.floor(row / this.segmentRows));
  }

  /** Segment k, read back from disk if it was spilled. */
  segmentAt(k: number): Segment<K> {
    const s = this.segments[k];
    if (s) return s;
    if (this.loaded?.index !== k) this.loaded = { index: k, seg: this.readSegment(k) };
    return this.loaded.seg;
  }

  /** Every segment in order with how many rows it holds, spilled ones read back one at a time. */
  *eachSegment(): Generator<{ seg: Segment<K>; rows: number }> {
    for (let k = 0; k * this.segmentRows < this.length; k++)
      yield { seg: this.segmentAt(k), rows: Math.min(this.segmentRows, this.length - k * this.segmentRows) };
  }

  /** Rows [from, to) of one column, as an array of its own. */
  slice(name: K, from: number, to: number): Column {
    const out = new this.types[name](to - from);
    for (let r = from; r < to; ) {
      const k = Math.floor(r / this.segmentRows);
      const j = r - k * this.segmentRows;
      const n = Math.min(this.segmentRows - j, to - r);
      out.set(this.segmentAt(k)[name].subarray(j, j + n) as never, r - from);
      r += n;
    }
    return out;
  }

  /**
   * Lets go of the whole segments below row `row` (a driver's rows once sent to the run): neither kept nor spilled. The
   * rows keep their numbers.
   */
  forgetBefore(row: number): void {
    // The newest segment is the one being filled: kept, even when full.
    for (let k = 0; (k + 1) * this.segmentRows <= row && k < this.segments.length - 1; k++) {
      if (!this.segments[k]) continue;
      this.spare ??= this.segments[k];
      this.segments[k] = null;
      this.resident--;
    }
  }

  /** How many rows are held in memory now (the rest are on disk or let go). */
  get residentRows(): number {
    return this.segments.reduce((n, s, k) => n + (s ? Math.min(this.segmentRows, this.length - k * this.segmentRows) : 0), 0);
  }

  /** The spill file, while there is one. */
  get spillFile(): string | null {
    return this.spill ? path.join(this.spill.dir, "rows") : null;
  }

  /** Empties it (the first segment kept for the next rows) and removes the spill file. */
  reset(): void {
    this.close();
    this.spare = this.segments[0] ?? this.spare;
    this.segments = [];
    this.resident = 0;
    this.length = 0;
    this.onDisk = [];
  }

  /** Removes the spill file (the memory is the garbage collector's). Idempotent. */
  close(): void {
    if (!this.spill) return;
    closeSync(this.spill.fd);
    rmSync(this.spill.dir, { recursive: true, force: true });
    SPILLED.delete(this.spill.dir);
    this.spill = null;
    this.loaded = null;
  }

  /** Columns holding given arrays as one segment (a drained chunk, read with get()). */
  static holding<K extends string>(types: Record<K, ColumnType>, arrays: Segment<K>, length: number): SpilledColumns<K> {
    const c = new SpilledColumns(types, Math.max(1, length), 1);
    c.segments = [arrays];
    c.tail = arrays;
    c.resident = 1;
    c.length = length;
    return c;
  }

  private startSegment(): void {
    this.tail = this.spare ?? this.newSegment();
    this.spare = null;
    this.segments.push(this.tail);
    this.resident++;
    // The oldest segment still in memory goes to disk once more than residentSegments are held (the new one counts).
    if (this.resident > this.residentSegments) {
      const k = this.segments.findIndex((s) => s !== null);
      this.writeSegment(k, this.segments[k]!);
      this.segments[k] = null;
      this.resident--;
    }
  }

  private newSegment(): Segment<K> {
    const s = {} as Segment<K>;
    for (const k of this.names) s[k] = new this.types[k](this.segmentRows);
    return s;
  }

  private writeSegment(k: number, s: Segment<K>): void {
    if (!this.spill) {
      const dir = mkdtempSync(path.join(tmpdir(), `redis-chaos-${this.label}-`));
      this.spill = { dir, fd: openSync(path.join(dir, "rows"), "w+") };
      SPILLED.add(dir);
    }
    this.onDisk[k] = true;
    let at = k * this.segmentBytes;
    for (const f of this.names) at += writeSync(this.spill.fd, new Uint8Array(s[f].buffer, s[f].byteOffset, s[f].byteLength), 0, s[f].byteLength, at);
  }

  private readSegment(k: number): Segment<K> {
    if (!this.spill || !this.onDisk[k]) throw new Error(`segment ${k} was let go`);
    const s = this.newSegment();
    let at = k * this.segmentBytes;
    for (const f of this.names) at += readSync(this.spill.fd, new Uint8Array(s[f].buffer), 0, s[f].byteLength, at);
    return s;
  }
}

/** Spill folders not closed yet: removed when the process exits, whatever ended it. */
const SPILLED = new Set<string>();
process.once("exit", () => {
  for (const dir of SPILLED) rmSync(dir, { recursive: true, force: true });
});
