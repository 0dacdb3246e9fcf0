import test from "ava";
import { verdict } from "../../harness/check/verdict.js";
import { OpStats } from "../../harness/measure/op-stats.js";
import type { Availability } from "../../harness/check/availability.js";

function phase(latenciesMs: number[], errors = 0) {
  const s = new OpStats();
  latenciesMs.forEach((ms, i) => s.record({ kind: "write", intendedMs: 0, sentMs: 0, doneMs: ms, ...(i < errors ? { error: "timeout" as const } : {}) }));
  return s.summary();
}
const noAvail: Availability = { rtoMs: 0, longestFailedRun: null, writesAttempted: 0, writesFailed: 0 };
const hundred = (ms: number) => Array.from({ length: 100 }, () => ms);

test("a p99 within budget passes; above it fails and names the budget and the measurement", (t) => {
  const phases = { baseline: phase(hundred(2)), fault: phase(hundred(40)), recovery: phase(hundred(2)) };
  const ok = verdict({ p99Ms: { baseline: 5, fault: 50 } }, phases, noAvail);
  t.true(ok.pass);
  t.is(ok.checks.length, 2);
  const bad = verdict({ p99Ms: { fault: 10 } }, phases, noAvail);
  t.false(bad.pass);
  t.is(bad.failures.length, 1);
  t.regex(bad.failures[0], /p99 fault: budget ≤ 10 ms, measured 40(\.\d+)? ms/);
});

test("an impossible budget (p99 <= 1 µs) fails", (t) => {
  const phases = { baseline: phase(hundred(0.2)), fault: phase([]), recovery: phase([]) };
  const v = verdict({ p99Ms: { baseline: 0.001 } }, phases, noAvail);
  t.false(v.pass);
});

test("a budget on a phase that saw no operation fails: no measurement, no pass", (t) => {
  const phases = { baseline: phase(hundred(1)), fault: phase([]), recovery: phase([]) };
  const v = verdict({ p99Ms: { recovery: 100 } }, phases, noAvail);
  t.false(v.pass);
  t.is(v.checks[0].measured, null);
  t.regex(v.failures[0], /no operations in the recovery phase/);
});

test("error-rate budgets compare failed/attempted per phase", (t) => {
  const phases = { baseline: phase(hundred(1), 0), fault: phase(hundred(1), 3), recovery: phase(hundred(1)) };
  t.true(verdict({ maxErrorRate: { baseline: 0, fault: 0.05 } }, phases, noAvail).pass);
  const v = verdict({ maxErrorRate: { fault: 0.01 } }, phases, noAvail);
  t.false(v.pass);
  t.is(v.checks[0].measured, 0.03);
});

test("an RTO budget fails when writes never recovered", (t) => {
  const phases = { baseline: phase(hundred(1)), fault: phase(hundred(1)), recovery: phase(hundred(1)) };
  const v = verdict({ rtoMs: 5000 }, phases, { ...noAvail, rtoMs: null, rtoNote: "writes had not recovered by the end of the run" });
  t.false(v.pass);
  t.regex(v.failures[0], /RTO.*had not recovered/);
  t.true(verdict({ rtoMs: 5000 }, phases, { ...noAvail, rtoMs: 1200 }).pass);
});
