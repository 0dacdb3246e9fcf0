import test from "ava";
import { historyOf } from "../helpers/synthetic-run.js";
import { dataLossChecker } from "../../harness/check/data-loss.js";
import { WriteLedger } from "../../harness/measure/ledger.js";
import { LedgerVerifier, type LedgerKeys } from "../../harness/measure/ledger-verifier.js";

// A ledger whose keys are reused (workload.ledgerKeys) is read as the load goes: each write's token counted, each key
// read through removed. These pin down what that must still tell right: a lost write, a write applied twice, a removal
// that failed or was undone, a verifier a lap behind, and a key written between the read and the removal.

/** The deployment as a map: APPEND as the ledger workload does it, reads, and removals. */
class FakeKeys implements LedgerKeys {
  readonly data = new Map<string, string>();
  failRemovals = false;
  /** Runs between a read and the removal after it (a write landing then). */
  afterRead: () => void = () => {};
  append(key: string, value: string) {
    this.data.set(key, (this.data.get(key) ?? "") + value);
  }
  async readKeys(keys: string[]) {
    const values = keys.map((k) => this.data.get(k) ?? null);
    this.afterRead();
    this.afterRead = () => {};
    return values;
  }
  async removeKeys(keys: string[]) {
    if (this.failRemovals) throw new Error("connection lost");
    for (const k of keys) this.data.delete(k);
  }
}

/** Writes `n` writes at 1 per ms (write i at i ms, acknowledged at i + 0.5), applied to `keys` unless `skip(id)`. */
function write(ledger: WriteLedger, keys: FakeKeys, n: number, skip: (id: number) => boolean = () => false) {
  for (let i = 0; i < n; i++) {
    const id = ledger.begin(ledger.size);
    if (!skip(id)) keys.append(ledger.key(id), ledger.value(id));
    ledger.settle(id, id + 0.5);
  }
}

function lossOf(ledger: WriteLedger, present: Uint8Array) {
  return dataLossChecker.check(historyOf({ ledger, readBack: present, load: { endMs: ledger.size, lastIssueMs: ledger.size } })).dataLoss!;
}

test("reused keys: write n appends its token to key n mod keyspace; a value of tokens counts the write's own", (t) => {
  const l = new WriteLedger("w", undefined, 1000);
  for (let i = 0; i < 2002; i++) l.settle(l.begin(i), i);
  t.deepEqual([l.key(7), l.value(7), l.key(1007), l.value(1007)], ["w:7", "7;", "w:7", "1007;"]);
  t.is(l.timesApplied(7, "7;1007;"), 1);
  t.is(l.timesApplied(1007, "7;1007;1007;"), 2, "a write applied twice");
  t.is(l.timesApplied(7, "17;1007;"), 0, "17; and 1007; are not 7;");
  t.is(l.timesApplied(2001, "1001;"), 0);
});

test("writes over five laps, read as they settle: every write counted once, and Redis never holds more than a lap of keys", async (t) => {
  const keys = new FakeKeys();
  const ledger = new WriteLedger("w", 1 << 12, 1000);
  const v = new LedgerVerifier(ledger, keys, 300);
  let most = 0;
  for (let round = 0; round < 50; round++) {
    write(ledger, keys, 100);
    await v.verify(ledger.size - 50); // what settled 50 ms ago
    most = Math.max(most, keys.data.size);
  }
  t.true(most <= 1000, `at most ${most} keys held`);
  t.true(v.stats.verified >= 4900, `${v.stats.verified} read as the load went`);
  const present = await v.finish();
  t.is(present.length, 5000);
  t.true(
    present.every((n) => n === 1),
    "every write present once",
  );
  const loss = lossOf(ledger, present);
  t.deepEqual([loss.lost, loss.duplicated], [0, 0]);
});

test("a write absent when it is read is lost, and one applied twice is a duplicate, whichever lap it is on", async (t) => {
  const keys = new FakeKeys();
  const ledger = new WriteLedger("w", undefined, 1000);
  const v = new LedgerVerifier(ledger, keys);
  write(ledger, keys, 2500, (id) => id === 1234 || id === 2400);
  keys.append(ledger.key(1500), ledger.value(1500)); // the client resent it and both landed
  await v.verify(1999); // laps 1 and 2 read live; lap 3 after the load
  const present = await v.finish();
  t.deepEqual([present[1234], present[2400], present[1500], present[1499]], [0, 0, 2, 1]);
  const loss = lossOf(ledger, present);
  t.deepEqual([loss.lost, loss.duplicated], [2, 1], "the checker counts them");
});

test("a removal that failed, or that a failover undid (the key is back), counts nothing twice", async (t) => {
  const keys = new FakeKeys();
  const ledger = new WriteLedger("w", undefined, 1000);
  const v = new LedgerVerifier(ledger, keys);
  write(ledger, keys, 500);
  keys.failRemovals = true;
  t.is(await v.verify(499.5), 500, "read, and counted, before the removal failed");
  t.is(v.stats.failedReads, 0, "a failed removal loses nothing: the keys are there to be read again");
  t.true(v.stats.failedRemovals > 0);
  t.is(keys.data.size, 500);
  keys.failRemovals = false;
  const before = new Map(keys.data);
  write(ledger, keys, 1000); // the next lap: keys 0..499 now hold two tokens each
  await v.verify(1499.5);
  t.is(keys.data.size, 250, "removed once the next lap was read, but w:500..749, whose next writes (1500..1749) are near");
  for (const [k, value] of before) keys.data.set(k, value); // a failover brought back the first lap's keys
  const present = await v.finish();
  t.true(
    present.every((n) => n === 1),
    "each write once",
  );
});

test("a verifier more than a lap behind counts both laps' tokens, and leaves a key holding a write it has not read", async (t) => {
  const keys = new FakeKeys();
  const ledger = new WriteLedger("w", undefined, 1000);
  const v = new LedgerVerifier(ledger, keys);
  write(ledger, keys, 2500);
  await v.verify(499.5); // writes 0..499: their keys also hold writes 1000.. and 2000..
  t.is(keys.data.get("w:7"), "7;1007;2007;", "not removed: 1007 and 2007 are not read yet");
  await v.verify(2499.5);
  t.is(keys.data.size, 250, "all removed but w:500..749, whose next writes (2500..2749) are near");
  const present = await v.finish();
  t.true(present.every((n) => n === 1));
});

test("a key whose next write is begun or near is read and left: a write landing before the removal is never erased unread", async (t) => {
  const keys = new FakeKeys();
  const ledger = new WriteLedger("w", undefined, 1000);
  const v = new LedgerVerifier(ledger, keys);
  write(ledger, keys, 1000);
  const late = ledger.begin(1000); // write 1000, on key w:0
  keys.afterRead = () => keys.append(ledger.key(late), ledger.value(late));
  await v.verify(999.5);
  t.is(keys.data.get("w:0"), "0;1000;", "w:0's next write was begun: not removed");
  t.false(keys.data.has("w:999"), "w:999's next write (1999) is most of a lap away: removed");
  t.true(keys.data.has("w:250"), "w:250's next write (1250) is within a quarter lap of write 1000: left");
  ledger.settle(late, 1000.5);
  const present = await v.finish();
  t.deepEqual([present[0], present[late]], [1, 1]);
});

test("the read stops at the first write still in flight, and goes on once it settled", async (t) => {
  const keys = new FakeKeys();
  const ledger = new WriteLedger("w", undefined, 1000);
  const v = new LedgerVerifier(ledger, keys);
  write(ledger, keys, 10);
  const pending = ledger.begin(10);
  write(ledger, keys, 10);
  t.is(await v.verify(100), 10);
  keys.append(ledger.key(pending), ledger.value(pending));
  ledger.settle(pending, 10.5);
  t.is(await v.verify(100), 11);
  t.true((await v.finish()).every((n) => n === 1));
});

test("a ledger adopted from two drivers: tokens are counted per driver, each key as its driver wrote it", async (t) => {
  const keys = new FakeKeys();
  const drivers = [new WriteLedger("w:0", undefined, 1000), new WriteLedger("w:1", undefined, 1000)];
  for (const d of drivers) write(d, keys, 1500, (id) => d === drivers[1] && id === 1100);
  t.is(keys.data.get("w:1:7"), "7;1007;");
  const run = new WriteLedger("w", undefined, 1000);
  for (const [k, d] of drivers.entries()) run.adopt(d.drain(k, true));
  const v = new LedgerVerifier(run, keys);
  await v.verify(999.5);
  const present = await v.finish();
  t.is(run.key(1500 + 1100), "w:1:100");
  t.deepEqual(
    [...present].flatMap((n, id) => (n === 1 ? [] : [`${run.key(id)} ${run.value(id)} ${n}`])),
    ["w:1:100 1100; 0"],
    "only driver 1's write 1100 is missing",
  );
});
