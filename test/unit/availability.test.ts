import test from "ava";
import { availability, durableWrites, recoveryTime } from "../../harness/check/availability.js";
import { WriteLedger } from "../../harness/measure/ledger.js";

/** Writes at `rate`/s from 0 to endMs; those intended in [downFrom, downTo) fail; each took `latencyMs`. */
function writes(rate: number, endMs: number, downFrom = Infinity, downTo = Infinity, latencyMs = (_t: number) => 1) {
  const n = Math.floor((endMs * rate) / 1000);
  const t = new Float64Array(n);
  const ok = new Uint8Array(n);
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = (i * 1000) / rate;
    ok[i] = t[i] >= downFrom && t[i] < downTo ? 0 : 1;
    lat[i] = latencyMs(t[i]);
  }
  return { t, ok, latencyMs: lat };
}
const run = (w: ReturnType<typeof writes>, faultStarts: Array<number | null>, endMs: number, objectiveMs = 1000) =>
  availability({ writes: w, faultStarts, endMs, objectiveMs });

test("no failed write: RTO is 0 and there is no failed run", (t) => {
  const a = run(writes(1000, 10_000), [3000], 10_000);
  t.is(a.rtoMs, 0);
  t.is(a.longestFailedRun, null);
  t.is(a.writesFailed, 0);
});

test("a 2.5 s outage starting at the fault gives an RTO of 2.5 s (on the 100 ms grid)", (t) => {
  const a = run(writes(1000, 10_000, 3000, 5500), [3000], 10_000);
  t.is(a.rtoMs, 2500);
  t.is(a.writesFailed, 2500);
  t.is(a.longestFailedRun?.writes, 2500);
  t.is(Math.round(a.longestFailedRun!.durationMs), 2499);
});

test("a stretch counts as recovered only at >= 99% success: 2% failures spread after the outage keep it open", (t) => {
  const w = writes(1000, 10_000, 3000, 4000);
  // after the outage, every 50th write fails until 7 s: 98% success
  for (let i = 4000; i < 7000; i += 50) w.ok[i] = 0;
  // The first 1 s stretch with at most 1% failures that stays so: [6.5 s, 7.5 s) holds 10 failures of 1000.
  t.is(run(w, [3000], 10_000).rtoMs, 3500);
});

test("recovery must hold until the end: a relapse later moves the RTO past it", (t) => {
  const w = writes(1000, 12_000, 3000, 4000);
  for (let i = 8000; i < 8500; i++) w.ok[i] = 0; // second outage at 8 s
  const a = run(w, [3000], 12_000);
  t.is(a.rtoMs, 5500);
  t.is(a.longestFailedRun?.writes, 1000);
});

test("writes that never recover give no RTO, with the reason", (t) => {
  const a = run(writes(1000, 10_000, 3000, Infinity), [3000], 10_000);
  t.is(a.rtoMs, null);
  t.true(a.rtoCensored);
  t.regex(a.rtoNote!, /not recovered/);
});

test("a censored RTO is a true lower bound: writes back at 19.4 s of a 20 s run after a fault at 5 s (a 14.4 s outage) read as more than 13.9 s, never as the 15 s to the end", (t) => {
  // The reproduction of the issue: the last whole stretch [18.9 s, 19.9 s) is half failed, so the outage lasted past
  // 18.9 s: 13.9 s after the fault. The old answer, end of run − fault, was 14,999 ms: above the 14.4 s truth.
  const a = run(writes(1000, 20_000, 5000, 19_400), [5000], 19_999);
  t.true(a.rtoCensored);
  t.is(a.rtoLowerBoundMs, 13_900);
  t.true(a.rtoLowerBoundMs! <= 14_400, "a lower bound is never above the real outage");
});

test("without a fault there is no RTO to speak of", (t) => {
  const a = run(writes(1000, 5000), [], 5000);
  t.is(a.rtoMs, null);
  t.regex(a.rtoNote!, /no fault/);
});

test("a client that queues through a failover fails nothing (RTO 0) but keeps callers waiting: the RTO within the objective counts them unavailable", (t) => {
  // Every write acknowledged; those intended between 8 s and 15 s waited until 15 s (the README's 7–11 s queueing clients).
  const w = writes(1000, 25_000, Infinity, Infinity, (at) => (at >= 8000 && at < 15_000 ? 15_000 - at + 1 : 1));
  const a = run(w, [8000], 25_000);
  t.is(a.rtoMs, 0, "by acknowledgements alone nothing was unavailable");
  t.is(a.withinObjective.objectiveMs, 1000);
  // Writes intended from 14 s on waited less than the objective: recovered at 14.0 s on the grid, 6 s after the fault.
  t.is(a.withinObjective.rtoMs, 6000);
});

test("a split brain's acknowledged-then-lost writes are unavailability: the durable RTO counts only writes that survived", (t) => {
  // The losing side acknowledges every write from 8 s to 12 s; none of them survives the read-back.
  const ledger = new WriteLedger();
  for (let i = 0; i < 20_000; i++) ledger.settle(ledger.begin(i), i + 1);
  const readBack = Uint8Array.from({ length: 20_000 }, (_, id) => (id >= 8000 && id < 12_000 ? 0 : 1));
  const w = writes(1000, 20_000);
  const a = availability({ writes: w, faultStarts: [8000], endMs: 20_000, objectiveMs: 1000, durable: durableWrites(ledger, readBack) });
  t.is(a.rtoMs, 0, "every write was acknowledged");
  t.is(a.durable?.rtoMs, 4000, "but what was acknowledged until 12 s is gone");
});

test("several faults: each has its own RTO over its own window, and the headline is the worst", (t) => {
  // A 1 s outage after the fault at 5 s, a 3 s one after the fault at 15 s.
  const w = writes(1000, 30_000, 5000, 6000);
  for (let i = 15_000; i < 18_000; i++) w.ok[i] = 0;
  const a = run(w, [5000, 15_000], 30_000);
  t.deepEqual(
    a.perFault.map((f) => [f.fault, f.fromMs, f.toMs, f.rtoMs]),
    [
      [0, 5000, 15_000, 1000],
      [1, 15_000, 30_000, 3000],
    ],
  );
  t.is(a.rtoMs, 3000, "the worst of the faults");
});

test("a fault that was never sent has no window; the others keep their index", (t) => {
  const a = run(writes(1000, 20_000, 10_000, 11_000), [null, 10_000], 20_000);
  t.deepEqual(
    a.perFault.map((f) => [f.fault, f.rtoMs]),
    [[1, 1000]],
  );
});

test("recoveryTime: the window's end bounds it, so an outage that runs into the next fault is censored there", (t) => {
  const w = writes(1000, 20_000, 5000, 12_000);
  const first = recoveryTime(w, 5000, 10_000);
  t.true(first.rtoCensored);
  t.is(first.rtoLowerBoundMs, 4000, "its last whole stretch, [9 s, 10 s), failed: 4 s after the fault");
});

test("recoveryTime: a whole number of steps after a fault sent at any instant, with no floating-point residue", (t) => {
  // Sent at 30,000.3 ms: the stretch starts are 30,000.3 + k × 100, and (start − send) was 4800.000000000004.
  const w = writes(1000, 60_000, 30_000.3, 34_805);
  const r = recoveryTime(w, 30_000.3, 60_000);
  t.is(r.rtoMs, 4800);
  const censored = recoveryTime(writes(1000, 60_000, 30_000.3, 60_000), 30_000.3, 40_000.3);
  t.is(censored.rtoLowerBoundMs, 9000);
});
