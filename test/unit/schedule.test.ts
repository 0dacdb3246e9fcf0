import test from "ava";
import { dueCount, intendedStartMs, totalOps } from "../../harness/workload/schedule.js";

test("operation i is intended at i/rate seconds, whatever happened before", (t) => {
  t.is(intendedStartMs(0, 1000), 0);
  t.is(intendedStartMs(1, 1000), 1);
  t.is(intendedStartMs(2500, 2000), 1250);
});

test("the count of due operations follows the clock and is capped at the total", (t) => {
  t.is(dueCount(-1, 1000, 100), 0);
  t.is(dueCount(0, 1000, 100), 1); // op 0 is due at once
  t.is(dueCount(9.99, 1000, 100), 10);
  t.is(dueCount(10, 1000, 100), 11);
  t.is(dueCount(1e9, 1000, 100), 100);
});

test("a run of D ms at R ops/s issues ceil(D*R/1000) operations", (t) => {
  t.is(totalOps(1000, 2000), 2000);
  t.is(totalOps(1500, 3), 5);
});
