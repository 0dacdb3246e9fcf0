import test from "ava";
import { IDLE_INSTRUMENT } from "../helpers/synthetic-run.js";
import { dataLossChecker } from "../../harness/check/data-loss.js";
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

/** The history the data-loss checker reads: the ledger, what the read-back found, and when the fault took effect. */
function history(ledger: WriteLedger | null, readBack: Uint8Array | null, faultStartMs?: number, staleReads: StaleReadLog | null = null): History {
  const phases = new PhaseClock();
  if (faultStartMs !== undefined) {
    phases.markFaultStart(faultStartMs);
    phases.markFaultEnd(faultStartMs + 100);
  }
  return { recorder: new Recorder(phases), phases, ledger, readBack, staleReads: staleReads && { log: staleReads, from: "replicas" }, registers: null, dir: "", faults: [], oomKills: [], instrument: IDLE_INSTRUMENT, load: { endMs: 1000, lastIssueMs: 1000 } };
}
const loss = (l: WriteLedger, p: Uint8Array | null, faultStartMs?: number) => dataLossChecker.check(history(l, p, faultStartMs)).dataLoss;

test("each write has its own key and a value that names it", (t) => {
  const l = new WriteLedger();
  const id = l.begin(12.3456);
  t.is(l.key(id), "w:0");
  t.is(l.value(id), "0");
  t.is(l.outcomeOf(id), PENDING);
  l.settle(id, 13.0004);
  t.is(l.outcomeOf(id), ACKED);
  t.is(l.intendedMsOf(id), 12.346); // µs resolution
  t.is(outcomeName(ACKED), "ok");
});

test("the ledger grows past its first allocation and keeps every outcome", (t) => {
  const l = ledgerOf(200_000, (id) => (id % 1000 === 0 ? "timeout" : undefined));
  t.is(l.size, 200_000);
  t.is(outcomeName(l.outcomeOf(5000)), "timeout");
  t.is(l.outcomeOf(5001), ACKED);
});

test("nothing missing: no loss, no RPO", (t) => {
  t.like(loss(ledgerOf(1000), present(1000, () => false), 500), { writes: 1000, acknowledged: 1000, lost: 0, splitBrain: 0, indeterminate: 0, rpoMs: null });
});

test("no read-back (the topology never converged) is no verdict on loss, never 'nothing lost'", (t) => {
  t.is(loss(ledgerOf(1000), null, 500), null);
  t.is(dataLossChecker.check(history(null, present(10, () => false))).dataLoss, null, "a workload without a ledger");
});

test("acknowledged writes missing after the fault time are lost and counted as split brain", (t) => {
  // writes 600..699 were accepted by the isolated old master and vanished with it
  const d = loss(ledgerOf(1000), present(1000, (id) => id >= 600 && id < 700), 550)!;
  t.is(d.lost, 100);
  t.is(d.splitBrain, 100);
  t.is(d.rpoMs, null, "no write acknowledged before the fault was lost");
  t.deepEqual(d.lostSample.slice(0, 2), [600, 601]);
});

test("the RPO window reaches back to the earliest lost write acknowledged before the fault", (t) => {
  // replication lagged: writes acked in [480.5 ms, 500 ms) never reached the replica that took over at 500 ms
  const d = loss(ledgerOf(1000), present(1000, (id) => id >= 480 && id < 500), 500)!;
  t.is(d.lost, 20);
  t.is(d.splitBrain, 0);
  t.is(d.rpoMs, 19.5);
});

test("a failed write that is present anyway is indeterminate, not lost", (t) => {
  const l = ledgerOf(100, (id) => (id < 10 ? "timeout" : undefined));
  const d = loss(l, present(100, (id) => id >= 5 && id < 10), 50)!; // 0..4 present despite the timeout
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
  const r = staleReadsChecker.check(history(null, null, 500, log)).reads!;
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
  t.like(loss(ledgerOf(10), present(10, () => false), 100), { duplicated: 0 }, "nothing twice: 0, not absent");
});
