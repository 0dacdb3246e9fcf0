import test from "ava";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { IDLE_INSTRUMENT } from "../helpers/synthetic-run.js";
import { chargedTo, dataLossChecker } from "../../harness/check/data-loss.js";
import type { AnyFaultRecord } from "../../harness/faults/registry.js";
import { staleReadsChecker } from "../../harness/check/stale-reads.js";
import type { History } from "../../harness/check/history.js";
import { ACKED, PENDING, WriteLedger, outcomeName } from "../../harness/measure/ledger.js";
import { PhaseClock } from "../../harness/measure/phases.js";
import { Recorder } from "../../harness/measure/recorder.js";
import { StaleReadLog } from "../../harness/measure/stale-reads.js";

/** A ledger of n writes at 1 per ms, acknowledged unless `fail(id)` names an error class. */
function ledgerOf(n: number, fail: (id: number) => "timeout" | "connection" | undefined = () => undefined) {
  const l = new WriteLedger();
  for (let i = 0; i < n; i++) {
    const id = l.begin(i);
    l.settle(id, i + 0.5, fail(id));
  }
  return l;
}
const present = (n: number, absent: (id: number) => boolean) => Uint8Array.from({ length: n }, (_, i) => (absent(i) ? 0 : 1));

/** A fault's record as the lifecycle writes it: sent at `sentAtMs`, healed `forMs` later. */
const fault = (sentAtMs: number, forMs = 100): AnyFaultRecord => ({
  kind: "kill",
  requestedAtMs: sentAtMs,
  sentAtMs,
  observedAtMs: sentAtMs + 1,
  healedAtMs: sentAtMs + forMs,
  details: {},
});

/** The history the data-loss checker reads: the ledger, what the read-back found, and the faults (when each was sent and healed). */
function history(ledger: WriteLedger | null, readBack: Uint8Array | null, faults: AnyFaultRecord[] = [], staleReads: StaleReadLog | null = null): History {
  const phases = new PhaseClock();
  for (const f of faults) {
    phases.markFaultStart(f.sentAtMs!);
    phases.markFaultEnd(f.healedAtMs!);
  }
  return {
    recorder: new Recorder(phases),
    phases,
    ledger,
    readBack,
    staleReads: staleReads && { log: staleReads, from: "replicas" },
    registers: null,
    cacheReads: null,
    dir: "",
    faults,
    oomKills: [],
    instrument: IDLE_INSTRUMENT,
    load: { endMs: 1000, lastIssueMs: 1000 },
    objectiveMs: 1000,
  };
}
const loss = (l: WriteLedger, p: Uint8Array | null, faultStartMs?: number) =>
  dataLossChecker.check(history(l, p, faultStartMs === undefined ? [] : [fault(faultStartMs)])).dataLoss;

test("each write has its own key and a value that names it", (t) => {
  const l = new WriteLedger();
  const id = l.begin(12.3456);
  t.is(l.key(id), "w:0");
  t.is(l.value(id), "0");
  t.is(l.outcomeOf(id), PENDING);
  l.settle(id, 13.0004);
  t.is(l.outcomeOf(id), ACKED);
  t.is(l.intendedMsOf(id), 12.3456);
  t.is(outcomeName(ACKED), "ok");
});

test("the ledger grows past its first allocation and keeps every outcome", (t) => {
  const l = ledgerOf(200_000, (id) => (id % 1000 === 0 ? "timeout" : undefined));
  t.is(l.size, 200_000);
  t.is(outcomeName(l.outcomeOf(5000)), "timeout");
  t.is(l.outcomeOf(5001), ACKED);
});

test("nothing missing: no loss, no RPO", (t) => {
  t.like(
    loss(
      ledgerOf(1000),
      present(1000, () => false),
      500,
    ),
    { writes: 1000, acknowledged: 1000, lost: 0, splitBrain: 0, indeterminate: 0, rpoMs: null },
  );
});

test("no read-back (the topology never converged) is no verdict on loss, never 'nothing lost'", (t) => {
  t.is(loss(ledgerOf(1000), null, 500), null);
  t.is(
    dataLossChecker.check(
      history(
        null,
        present(10, () => false),
      ),
    ).dataLoss,
    null,
    "a workload without a ledger",
  );
});

test("acknowledged writes missing after the fault time are lost and counted as split brain", (t) => {
  // writes 600..699 were accepted by the isolated old master and vanished with it
  const d = loss(
    ledgerOf(1000),
    present(1000, (id) => id >= 600 && id < 700),
    550,
  )!;
  t.is(d.lost, 100);
  t.is(d.splitBrain, 100);
  t.is(d.rpoMs, null, "no write acknowledged before the fault was lost");
  t.deepEqual(d.lostSample.slice(0, 2), [600, 601]);
});

test("the RPO window reaches back to the earliest lost write acknowledged before the fault", (t) => {
  // replication lagged: writes acked in [480.5 ms, 500 ms) never reached the replica that took over at 500 ms
  const d = loss(
    ledgerOf(1000),
    present(1000, (id) => id >= 480 && id < 500),
    500,
  )!;
  t.is(d.lost, 20);
  t.is(d.splitBrain, 0);
  t.is(d.rpoMs, 19.5);
});

test("a failed write that is present anyway is indeterminate, not lost", (t) => {
  const l = ledgerOf(100, (id) => (id < 10 ? "timeout" : undefined));
  const d = loss(
    l,
    present(100, (id) => id >= 5 && id < 10),
    50,
  )!; // 0..4 present despite the timeout
  t.is(d.indeterminate, 5);
  t.is(d.lost, 0);
  t.is(d.acknowledged, 90);
});

test("the ledger remembers the latest acknowledged write, which reads ask for", (t) => {
  const l = new WriteLedger();
  const a = l.begin(0);
  const b = l.begin(1);
  l.settle(b, 3);
  l.settle(a, 4); // an older write acknowledged later does not move the mark back
  t.is(l.lastAckedId, b);
  t.is(l.lastAckedAtMs, 3);
  const c = l.begin(2);
  l.settle(c, 5, "timeout");
  t.is(l.lastAckedId, b, "a failed write is not acknowledged");
});

test("a read that misses a write acknowledged before it was sent is stale; counted per phase with how far behind", (t) => {
  const log = new StaleReadLog();
  log.record(100, 105, true); // baseline, found
  log.record(100, 130, false); // baseline, 30 ms behind
  log.record(600, 620, false); // fault (500..600 ms), 20 ms behind... at 620 it is recovery
  log.record(520, 560, false); // fault, 40 ms behind
  const r = staleReadsChecker.check(history(null, null, [fault(500)], log)).reads!;
  t.like(r, { from: "replicas", reads: 4, stale: 3, staleRate: 0.75, maxStalenessMs: 40 });
  t.deepEqual(r.phases.baseline, { reads: 2, stale: 1, maxStalenessMs: 30 });
  t.deepEqual(r.phases.fault, { reads: 1, stale: 1, maxStalenessMs: 40 });
  t.deepEqual(r.phases.recovery, { reads: 1, stale: 1, maxStalenessMs: 20 });
  t.is(staleReadsChecker.check(history(null, null)).reads, null, "no ledger workload, no stale-read count");
});

test("a write's value read back twice is a write applied twice (the ledger's APPEND resent), not a lost or missing one", (t) => {
  const l = new WriteLedger();
  const id = l.begin(0);
  t.is(l.timesApplied(id, "0"), 1);
  t.is(l.timesApplied(id, "00"), 2);
  t.is(l.timesApplied(id, Buffer.from("000")), 3, "a Buffer reply, as the lean engine gives");
  t.is(l.timesApplied(id, null), 0);
  t.is(l.timesApplied(id, ""), 0);
  const seven = 7;
  t.is(l.timesApplied(seven, "77"), 2);
  t.is(l.timesApplied(seven, "7"), 1);
  t.is(l.timesApplied(seven, "17"), 0, "another value is not this write");
  t.is(l.timesApplied(seven, "777x"), 0);
});

test("the checker counts writes applied twice, acknowledged or not, and neither is lost", (t) => {
  // Write 3 acknowledged and applied twice; write 5 failed (timeout) yet applied twice; write 8 acknowledged and absent.
  const l = ledgerOf(10, (id) => (id === 5 ? "timeout" : undefined));
  const p = present(10, (id) => id === 8);
  p[3] = 2;
  p[5] = 2;
  t.like(loss(l, p, 100), { lost: 1, duplicated: 2, indeterminate: 1 });
  t.like(
    loss(
      ledgerOf(10),
      present(10, () => false),
      100,
    ),
    { duplicated: 0 },
    "nothing twice: 0, not absent",
  );
});

test("the ledger's clock holds any duration a run accepts: a split-brain write a second after a fault at minute 75 is a split-brain write (finding 8)", (t) => {
  // The reproduction r3: times were µs in a Uint32, which wraps at 71.6 minutes; the write's reply read as minute 3.4,
  // so it counted as acknowledged before the fault: splitBrain 0 and an RPO of 4,293,966 ms.
  const ledger = new WriteLedger();
  const faultMs = 75 * 60_000;
  const kept = ledger.begin(faultMs - 5000);
  ledger.settle(kept, faultMs - 4999);
  const sb = ledger.begin(faultMs + 1000);
  ledger.settle(sb, faultMs + 1001);
  t.is(ledger.replyMsOf(sb), faultMs + 1001);
  const d = dataLossChecker.check(history(ledger, Uint8Array.from([1, 0]), [fault(faultMs, 10_000)])).dataLoss!;
  t.like(d, { lost: 1, splitBrain: 1, rpoMs: null });
});

test("several faults: each lost write is charged to one, by when it was acknowledged", (t) => {
  // Faults sent at 200 ms (healed at 300) and 600 ms (healed at 700); writes acknowledged every ms.
  const l = ledgerOf(1000);
  const lostIds = new Set([150, 250, 550, 650, 900]);
  const d = dataLossChecker.check(
    history(
      l,
      present(1000, (id) => lostIds.has(id)),
      [fault(200), fault(600)],
    ),
  ).dataLoss!;
  t.is(d.lost, 5);
  t.deepEqual(
    d.perFault.map((f) => [f.fault, f.lost, f.splitBrain, f.rpoMs]),
    [
      [0, 2, 1, 49.5], // 150.5 ms: before the first fault (its RPO); 250.5 ms: while it held (split brain)
      [1, 3, 2, 49.5], // 550.5 ms: between the faults, none holding: before the second (its RPO); 650.5 and 900.5 ms: split brain
    ],
  );
  t.is(d.rpoMs, 49.5, "the worst fault's window");
  t.is(d.splitBrain, 3);
});

test("chargedTo: while a fault holds, its split brain; before the next, its RPO; after the last, the latest's split brain", (t) => {
  const w = [
    { fault: 0, sentAtMs: 100, healedAtMs: 200 },
    { fault: 1, sentAtMs: 500, healedAtMs: null },
  ];
  t.deepEqual(chargedTo(50, w), { at: 0, splitBrain: false });
  t.deepEqual(chargedTo(150, w), { at: 0, splitBrain: true });
  t.deepEqual(chargedTo(300, w), { at: 1, splitBrain: false });
  t.deepEqual(chargedTo(900, w), { at: 1, splitBrain: true });
  t.deepEqual(chargedTo(900, []), { at: -1, splitBrain: true });
});

// --- a ledger kept by drivers (a load sharded over threads or hosts), merged by the run ---

test("a driver's ledger is drained in id order up to its first pending write; the last drain takes the pending too", (t) => {
  const d = new WriteLedger("w:1");
  const ids = [0, 1, 2, 3].map((i) => d.begin(i));
  d.settle(ids[0], 0.5);
  d.settle(ids[2], 2.5, "timeout"); // replies come in any order
  const first = d.drain(1);
  t.deepEqual([first.first, first.outcome.length], [0, 1], "only write 0: write 1 is still pending");
  d.settle(ids[1], 1.5);
  const second = d.drain(1);
  t.deepEqual([second.first, [...second.outcome].map(outcomeName)], [1, ["ok", "timeout"]]);
  const last = d.drain(1, true);
  t.deepEqual([last.first, [...last.outcome].map(outcomeName)], [3, ["pending"]], "at the end, the write never answered goes too, pending");
  t.is(d.drain(1, true).outcome.length, 0, "nothing twice");
});

test("the run adopts two drivers' writes, each under an id of its own, with the key and value the driver wrote", (t) => {
  const drivers = [new WriteLedger("w:0"), new WriteLedger("w:1")];
  for (const [k, d] of drivers.entries())
    for (let i = 0; i < 3; i++) d.settle(d.begin(10 * k + i), 10 * k + i + 0.5, k === 1 && i === 2 ? "connection" : undefined);
  const run = new WriteLedger();
  run.adopt(drivers[0].drain(0));
  run.adopt(drivers[1].drain(1, true));
  run.adopt(drivers[0].drain(0, true)); // an empty batch adds nothing
  t.is(run.size, 6);
  t.deepEqual(
    Array.from({ length: run.size }, (_, id) => `${run.key(id)}=${run.value(id)}`),
    ["w:0:0=0", "w:0:1=1", "w:0:2=2", "w:1:0=0", "w:1:1=1", "w:1:2=2"],
    "each key and value as its driver wrote them",
  );
  for (const [k, d] of drivers.entries())
    for (let i = 0; i < 3; i++) {
      const id = 3 * k + i;
      t.is(run.key(id), d.key(i));
      t.is(run.intendedMsOf(id), d.intendedMsOf(i));
      t.is(run.outcomeOf(id), d.outcomeOf(i));
    }
  t.is(run.timesApplied(4, "11"), 2, "a value read back twice is still the write applied twice");
  t.throws(() => ledgerOf(1).adopt(drivers[0].drain(0)), { message: /its own writes or adopts drivers'/ });
});

test("adopted writes past the first allocation keep where each came from", (t) => {
  const d = new WriteLedger("w:3");
  for (let i = 0; i < 70_000; i++) d.settle(d.begin(i), i + 0.5);
  const run = new WriteLedger();
  run.adopt(d.drain(3, true));
  t.is(run.size, 70_000);
  t.is(run.key(69_999), "w:3:69999");
});

/** The spill folders of a kind that exist now (measure/spilled-columns.ts names them redis-chaos-<label>-…). */
const spillDirs = (label: string) => readdirSync(tmpdir()).filter((f) => f.startsWith(`redis-chaos-${label}-`));

test("a soak's ledger keeps its newest segments in memory and the rest on disk; a reply that comes after its write was spilled is kept", (t) => {
  const before = spillDirs("ledger");
  // Segments of 1,000 writes, 4 held: 10,500 writes spill 7 segments. Write 5 is answered last, long after it spilled.
  const spilling = new WriteLedger("w", 1000);
  const held = new WriteLedger();
  for (const l of [spilling, held]) {
    for (let i = 0; i < 10_500; i++) {
      const id = l.begin(i);
      if (id !== 5) l.settle(id, i + 0.5, id % 101 === 0 ? "timeout" : undefined);
    }
    l.settle(5, 10_600, "connection");
  }
  const mine = spillDirs("ledger").filter((d) => !before.includes(d));
  t.is(mine.length, 1, "one spill folder");
  t.is(outcomeName(spilling.outcomeOf(5)), "connection", "the late reply reached the write on disk");
  t.is(spilling.replyMsOf(5), 10_600);
  const readBack = present(10_500, (id) => id > 10_400);
  t.deepEqual(loss(spilling, readBack, 10_300), loss(held, readBack, 10_300), "the same losses, RPO and split brain as a ledger held in memory");
  spilling.close();
  t.deepEqual(
    spillDirs("ledger").filter((d) => !before.includes(d)),
    [],
    "closed: the folder is gone",
  );
});

test("a driver's ledger lets go of the writes it has sent: a long load keeps a segment or two", (t) => {
  const d = new WriteLedger("w:0", 1000);
  const run = new WriteLedger("w", 1000);
  for (let i = 0; i < 5500; i++) {
    d.settle(d.begin(i), i + 0.5);
    if (i % 700 === 699) run.adopt(d.drain(0));
  }
  run.adopt(d.drain(0, true));
  t.is(run.size, 5500, "every write reached the run");
  t.is(run.key(4321), "w:0:4321");
  t.throws(() => d.intendedMsOf(10), { message: /let go/ }, "a write the driver sent is gone from it");
  t.is(d.intendedMsOf(5499), 5499, "its newest segment is kept");
  t.is(d.lastAckedId, 5499, "and what reads ask for");
  run.close();
});

test("a soak's stale-read log spills like the ledger, and the checker counts the same per phase", (t) => {
  const [spilling, held] = [new StaleReadLog(1000), new StaleReadLog()];
  for (const log of [spilling, held]) for (let i = 0; i < 6000; i++) log.record(i - 3, i, i % 9 !== 0);
  const ledger = ledgerOf(1);
  const counts = (log: StaleReadLog) => staleReadsChecker.check(history(ledger, null, [fault(2000, 1000)], log)).reads;
  t.deepEqual(counts(spilling), counts(held));
  t.is(counts(spilling)!.stale, 667);
  spilling.close();
});
