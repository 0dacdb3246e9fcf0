import test from "ava";
import { availability } from "../../harness/check/availability.js";

/** Writes at `rate`/s from 0 to endMs; those intended in [downFrom, downTo) fail. */
function writes(rate: number, endMs: number, downFrom = Infinity, downTo = Infinity) {
  const n = Math.floor((endMs * rate) / 1000);
  const t = new Float64Array(n);
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = (i * 1000) / rate;
    ok[i] = t[i] >= downFrom && t[i] < downTo ? 0 : 1;
  }
  return { t, ok };
}

test("no failed write: RTO is 0 and there is no failed run", (t) => {
  const a = availability(writes(1000, 10_000), 3000, 10_000);
  t.is(a.rtoMs, 0);
  t.is(a.longestFailedRun, null);
  t.is(a.writesFailed, 0);
});

test("a 2.5 s outage starting at the fault gives an RTO of 2.5 s (on the 100 ms grid)", (t) => {
  const a = availability(writes(1000, 10_000, 3000, 5500), 3000, 10_000);
  t.is(a.rtoMs, 2500);
  t.is(a.writesFailed, 2500);
  t.is(a.longestFailedRun?.writes, 2500);
  t.is(Math.round(a.longestFailedRun!.durationMs), 2499);
});

test("a stretch counts as recovered only at >= 99% success: 2% failures spread after the outage keep it open", (t) => {
  const w = writes(1000, 10_000, 3000, 4000);
  // after the outage, every 50th write fails until 7 s: 98% success
  for (let i = 4000; i < 7000; i += 50) w.ok[i] = 0;
  const a = availability(w, 3000, 10_000);
  // The first 1 s stretch with at most 1% failures that stays so: [6.5 s, 7.5 s) holds 10 failures of 1000.
  t.is(a.rtoMs, 3500);
});

test("recovery must hold until the end: a relapse later moves the RTO past it", (t) => {
  const w = writes(1000, 12_000, 3000, 4000);
  for (let i = 8000; i < 8500; i++) w.ok[i] = 0; // second outage at 8 s
  const a = availability(w, 3000, 12_000);
  t.is(a.rtoMs, 5500);
  t.is(a.longestFailedRun?.writes, 1000);
});

test("writes that never recover give no RTO, with the reason", (t) => {
  const a = availability(writes(1000, 10_000, 3000, Infinity), 3000, 10_000);
  t.is(a.rtoMs, null);
  t.regex(a.rtoNote!, /not recovered/);
});

test("without a fault there is no RTO to speak of", (t) => {
  const a = availability(writes(1000, 5000), undefined, 5000);
  t.is(a.rtoMs, null);
  t.regex(a.rtoNote!, /no fault/);
});
