/** One operation on one key, as a client saw it (times in µs on the run clock): what the linearizability checker reads. */
export interface RegisterOp {
  client: number;
  key: string;
  op: "set" | "get" | "incr";
  /** SET: the value written (unique per write); GET: what was read, null when the key was absent; INCR: the reply. */
  value: string | null;
  /**
   * true: acknowledged. false: failed or timed out, so it may have been applied (indeterminate): it may take effect
   * at any point after its call, or never. A failed read tells nothing and is left out of the history.
   */
  ok: boolean;
  call: number;
  return: number;
}

/**
 * The registers workload's history: every operation with its call and return on the run clock (µs), what it wrote or
 * read, and whether it was acknowledged. A read that failed tells nothing and is not kept; a write that failed stays,
 * indeterminate (it may have been applied: a timeout, a dropped connection, a client that replays it later).
 */
export class RegisterHistory {
  private readonly ops: RegisterOp[] = [];

  /** An operation called now (an unsettled write stays indeterminate); settle it with the index returned. */
  call(client: number, key: string, op: RegisterOp["op"], value: string | null, atMs: number): number {
    return this.ops.push({ client, key, op, value, ok: false, call: Math.round(atMs * 1000), return: 0 }) - 1;
  }

  /** Its reply: `value` is what a GET read or INCR returned (ignored for SET); `failed` when there was no reply. */
  settle(i: number, atMs: number, failed: boolean, value?: string | null): void {
    const o = this.ops[i];
    o.return = Math.max(o.call, Math.round(atMs * 1000));
    o.ok = !failed;
    if (!failed && o.op !== "set") o.value = value ?? null;
  }

  /** The history as the checker takes it: reads that failed left out. */
  history(): RegisterOp[] {
    return this.ops.filter((o) => o.ok || o.op !== "get");
  }
}
