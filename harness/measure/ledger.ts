import { ERROR_CLASSES, type ErrorClass } from "./errors.js";
import { b64, bytes } from "./op-log.js";
import { SpilledColumns } from "./spilled-columns.js";

/** Outcome codes: 0 acknowledged, 1 + index in ERROR_CLASSES otherwise, 255 still pending. */
export const ACKED = 0;
export const PENDING = 255;
const codeOf = (e: ErrorClass | undefined) => (e === undefined ? ACKED : 1 + ERROR_CLASSES.indexOf(e));
export const outcomeName = (code: number) => (code === ACKED ? "ok" : code === PENDING ? "pending" : ERROR_CLASSES[code - 1]);

/**
 * A run of consecutive writes of a driver's ledger (ids `first` on), as plain arrays: what a driver sends back of its
 * own ledger, `shard` naming it (its keys are `w:<shard>:<id>`).
 */
export interface LedgerChunk {
  shard: number;
  first: number;
  intendedMs: Float64Array;
  replyMs: Float64Array;
  outcome: Uint8Array;
}

/** A chunk as JSON carries it (each array's bytes in base64). */
export type EncodedLedgerChunk = { shard: number; first: number; intendedMs: string; replyMs: string; outcome: string };

export const encodeLedgerChunk = (c: LedgerChunk): EncodedLedgerChunk => ({
  shard: c.shard,
  first: c.first,
  intendedMs: b64(c.intendedMs),
  replyMs: b64(c.replyMs),
  outcome: b64(c.outcome),
});

export const decodeLedgerChunk = (e: EncodedLedgerChunk): LedgerChunk => ({
  shard: e.shard,
  first: e.first,
  intendedMs: new Float64Array(bytes(e.intendedMs)),
  replyMs: new Float64Array(bytes(e.replyMs)),
  outcome: new Uint8Array(bytes(e.outcome)),
});

/**
 * The write ledger: write number `id` sets key `w:<id>` to the value `<id>`, so that a read-back can tell, for every
 * write, whether it survived. With `keyspace` (workload.ledgerKeys, for soaks) keys are reused: write `id` appends
 * the token `<id>;` to key `w:<id mod keyspace>`, and the verifier beside the load (ledger-verifier.ts) reads and
 * removes what settled, so Redis holds a bounded number of keys however long the run. Per write: intended start and
 * reply time in ms on the run clock (Float64: any duration a run can take; Uint32 µs wrapped at 71.6 minutes and filed a soak's split-brain writes before the fault) and one
 * outcome byte, 17 bytes a write, kept as the op log is (measure/spilled-columns.ts): a few segments in memory, the
 * rest on the temporary folder's disk, so a soak's ledger does not grow the harness.
 *
 * A load sharded over drivers keeps a ledger in each (prefix `w:<shard>`), which lets go of what it has sent, and the
 * run's adopts their writes by (shard, id), each under an id of its own here: 6 bytes more a write, to name the key
 * and value a driver wrote.
 */
export class WriteLedger {
  private rows: SpilledColumns<Column> | null = null;
  /** Writes adopted from drivers (key and value name their shard and id there), rather than the ledger's own. */
  private adopted = false;
  /** Adopted: per driver, how many of its writes have arrived (its ids 0 .. n-1). */
  private readonly arrived = new Map<number, number>();
  /** A driver's: writes up to here have been drained. */
  private drained = 0;
  /** The highest id acknowledged so far (-1: none), and when: what a read asks for to detect staleness. */
  lastAckedId = -1;
  lastAckedAtMs = 0;

  constructor(
    readonly prefix = "w",
    private readonly segmentWrites = 1 << 16,
    /** Keys reused, write `id` on key `id mod keyspace` (0: a key per write). */
    readonly keyspace = 0,
  ) {}

  /** Writes handed out so far (ids 0 .. size-1). */
  get size(): number {
    return this.rows?.length ?? 0;
  }

  key(id: number): string {
    const own = this.writerIdOf(id);
    const k = this.keyspace ? own % this.keyspace : own;
    return this.adopted ? `${this.prefix}:${this.rows!.get("shard", id)}:${k}` : `${this.prefix}:${k}`;
  }

  value(id: number): string {
    return this.keyspace ? `${this.writerIdOf(id)};` : String(this.writerIdOf(id));
  }

  /** The id the write has where it was made: its key and value name it (a driver's own id, for an adopted write). */
  writerIdOf(id: number): number {
    return this.adopted ? this.rows!.get("id", id) : id;
  }

  /** The driver that made write `id` (0 for the ledger's own writes). */
  shardOf(id: number): number {
    return this.adopted ? this.rows!.get("shard", id) : 0;
  }

  /** How many writes driver `shard` had begun, as far as this ledger knows (its own: all of them). */
  begunBy(shard: number): number {
    return this.adopted ? (this.arrived.get(shard) ?? 0) : this.size;
  }

  /**
   * How many times the value read back for write `id` says the write was applied: 0 (absent or another value), 1, or
   * more (the ledger's APPEND done twice). Values are ids, so "77" is write 7 twice only for key w:7; with reused keys
   * a value is tokens (`7;107;7;`), and the write's own are counted.
   */
  timesApplied(id: number, read: unknown): number {
    if (read === null || read === undefined) return 0;
    const text = String(read);
    const one = this.value(id);
    if (this.keyspace) return countTokens(text, one);
    if (text === one) return 1; // the usual answer, without building a repeat (reads call this on the load's path)
    if (text.length === 0 || text.length % one.length !== 0 || text !== one.repeat(text.length / one.length)) return 0;
    return text.length / one.length;
  }

  /** A new write id, intended at `intendedMs` (run clock). */
  begin(intendedMs: number): number {
    const rows = this.own();
    const j = rows.append();
    rows.tail.intendedMs[j] = Math.max(0, intendedMs);
    rows.tail.replyMs[j] = 0;
    rows.tail.outcome[j] = PENDING;
    return rows.length - 1;
  }

  settle(id: number, replyMs: number, error?: ErrorClass): void {
    this.rows!.set("replyMs", id, Math.max(0, replyMs));
    this.rows!.set("outcome", id, codeOf(error));
    if (error === undefined && id > this.lastAckedId) {
      this.lastAckedId = id;
      this.lastAckedAtMs = replyMs;
    }
  }

  intendedMsOf(id: number): number {
    return this.rows!.get("intendedMs", id);
  }
  replyMsOf(id: number): number {
    return this.rows!.get("replyMs", id);
  }
  outcomeOf(id: number): number {
    return this.rows!.get("outcome", id);
  }

  /**
   * A driver's: its writes since the last drain, in id order up to the first one still pending (replies come in any
   * order); `all`, every write handed out, pending or not (the end of its load). What was drained is let go.
   */
  drain(shard: number, all = false): LedgerChunk {
    const first = this.drained;
    let end = first;
    while (end < this.size && (all || this.outcomeOf(end) !== PENDING)) end++;
    this.drained = end;
    const rows = this.own();
    const chunk = {
      shard,
      first,
      intendedMs: rows.slice("intendedMs", first, end) as Float64Array,
      replyMs: rows.slice("replyMs", first, end) as Float64Array,
      outcome: rows.slice("outcome", first, end) as Uint8Array,
    };
    rows.forgetBefore(end);
    return chunk;
  }

  /** The run's: a driver's writes, each under the next id here, its key and value those the driver wrote. */
  adopt(c: LedgerChunk): void {
    if (!this.adopted) {
      if (this.size > 0) throw new Error("a ledger keeps its own writes or adopts drivers', not both");
      this.adopted = true;
      this.rows = new SpilledColumns(ADOPTED_COLUMNS, this.segmentWrites, RESIDENT_SEGMENTS, "ledger");
    }
    const rows = this.rows!;
    this.arrived.set(c.shard, Math.max(this.arrived.get(c.shard) ?? 0, c.first + c.outcome.length));
    for (let i = 0; i < c.outcome.length; i++) {
      const j = rows.append();
      const s = rows.tail;
      s.intendedMs[j] = c.intendedMs[i];
      s.replyMs[j] = c.replyMs[i];
      s.outcome[j] = c.outcome[i];
      s.shard[j] = c.shard;
      s.id[j] = c.first + i;
    }
  }

  /** Removes what it spilled to disk. Idempotent. */
  close(): void {
    this.rows?.close();
  }

  private own(): SpilledColumns<Column> {
    if (this.adopted) throw new Error("a ledger keeps its own writes or adopts drivers', not both");
    this.rows ??= new SpilledColumns(OWN_COLUMNS, this.segmentWrites, RESIDENT_SEGMENTS, "ledger") as SpilledColumns<Column>;
    return this.rows;
  }
}

const OWN_COLUMNS = { intendedMs: Float64Array, replyMs: Float64Array, outcome: Uint8Array };
const ADOPTED_COLUMNS = { ...OWN_COLUMNS, shard: Uint16Array, id: Uint32Array };
type Column = keyof typeof ADOPTED_COLUMNS;
const RESIDENT_SEGMENTS = 4;

/** How many times `token` (`<id>;`) is one of the tokens of `text`. */
function countTokens(text: string, token: string): number {
  let n = 0;
  for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length)) if (at === 0 || text[at - 1] === ";") n++;
  return n;
}

/** What the read-back found for each write: how many times the key holds the write's value (0 absent, 1, 2 …; capped at 255). */
export type ReadBack = Uint8Array;
