import test from "ava";
import { instrumentChecker } from "../../harness/check/instrument.js";
import { historyOf } from "../helpers/synthetic-run.js";
import type { Availability } from "../../harness/check/availability.js";
import type { DataLoss } from "../../harness/check/data-loss.js";
import { budgetChecks, verdictOf } from "../../harness/check/verdict.js";
import { METRICS, budgetsSchema, type Budgets, type Measurements } from "../../harness/check/metrics.js";
import { OpStats } from "../../harness/measure/op-stats.js";
import { CHECKERS, checkAll } from "../../harness/check/index.js";

// The verdict: every budget a scenario sets, checked against its metric's measurement as the catalog defines it.

function phase(latenciesMs: number[], errors = 0) {
  const s = new OpStats();
  latenciesMs.forEach((ms, i) => s.record({ kind: "write", intendedMs: 0, sentMs: 0, doneMs: ms, ...(i < errors ? { error: "timeout" as const } : {}) }));
  return { fromMs: 0, toMs: null, ...s.summary() };
}
const hundred = (ms: number) => Array.from({ length: 100 }, () => ms);
const noAvail: Availability = {
  rtoMs: 0,
  rtoCensored: false,
  perFault: [],
  withinObjective: { objectiveMs: 1000, rtoMs: 0, rtoCensored: false },
  durable: null,
  longestFailedRun: null,
  writesAttempted: 0,
  writesFailed: 0,
};

function measured(
  p: { baseline?: number[]; fault?: number[]; recovery?: number[]; errors?: Partial<Record<"baseline" | "fault", number>> },
  availability = noAvail,
  dataLoss: DataLoss | null = null,
): Measurements {
  const total = phase([]);
  return {
    phases: {
      warmup: phase([]),
      baseline: phase(p.baseline ?? [], p.errors?.baseline),
      fault: phase(p.fault ?? [], p.errors?.fault),
      recovery: phase(p.recovery ?? []),
    },
    total,
    availability,
    dataLoss,
    reads: null,
    instrument: instrumentChecker.check(emptyHistory()).instrument,
    faults: [],
    workload: { loadDurationMs: 30_000 },
  };
}
const verdict = (b: Budgets, m: Measurements) => verdictOf(budgetChecks(budgetsSchema.parse(b), m));
const loss = (lost: number, rpoMs: number | null = null): DataLoss => ({
  writes: 1000,
  acknowledged: 990,
  lost,
  splitBrain: 0,
  indeterminate: 0,
  rpoMs,
  perFault: [],
  lostSample: [],
});

test("a p99 within budget passes; above it fails and names the budget and the measurement", (t) => {
  const m = measured({ baseline: hundred(2), fault: hundred(40), recovery: hundred(2) });
  const ok = verdict({ p99Ms: { baseline: 5, fault: 50 } }, m);
  t.true(ok.pass);
  t.deepEqual(
    ok.checks.map((c) => c.id),
    [
      { metric: "p99", phase: "baseline", bound: "max" },
      { metric: "p99", phase: "fault", bound: "max" },
    ],
  );
  const bad = verdict({ p99Ms: { fault: 10 } }, m);
  t.false(bad.pass);
  t.is(bad.failures.length, 1);
  t.regex(bad.failures[0], /^p99 fault: budget ≤ 10 ms, measured 40(\.\d+)? ms$/);
});

test("an impossible budget (p99 <= 1 µs) fails", (t) => {
  t.false(verdict({ p99Ms: { baseline: 0.001 } }, measured({ baseline: hundred(0.2) })).pass);
});

test("a budget on a phase that saw no operation fails: no measurement, no pass", (t) => {
  const v = verdict({ p99Ms: { recovery: 100 } }, measured({ baseline: hundred(1) }));
  t.false(v.pass);
  t.is(v.checks[0].measured, null);
  t.regex(v.failures[0], /no operations in the recovery phase/);
});

test("error-rate budgets compare failed/attempted per phase", (t) => {
  const m = measured({ baseline: hundred(1), fault: hundred(1), recovery: hundred(1), errors: { fault: 3 } });
  t.true(verdict({ maxErrorRate: { baseline: 0, fault: 0.05 } }, m).pass);
  const v = verdict({ maxErrorRate: { fault: 0.01 } }, m);
  t.false(v.pass);
  t.is(v.checks[0].measured, 0.03);
});

test("an RTO budget fails when writes never recovered (a censored RTO is no measurement)", (t) => {
  const m = (a: Partial<Availability>) => measured({ baseline: hundred(1) }, { ...noAvail, ...a });
  const v = verdict({ rtoMs: 5000 }, m({ rtoMs: null, rtoCensored: true, rtoLowerBoundMs: 9000, rtoNote: "writes had not recovered by the end of the run" }));
  t.false(v.pass);
  t.regex(v.failures[0], /RTO.*had not recovered/);
  t.true(verdict({ rtoMs: 5000 }, m({ rtoMs: 1200 })).pass);
});

test("loss budgets: at most so many lost; an expected loss must be seen; no read-back is no pass", (t) => {
  const m = (d: DataLoss | null) => measured({ baseline: hundred(1) }, noAvail, d);
  t.true(verdict({ maxLostWrites: 0, rpoMs: 0 }, m(loss(0))).pass);
  const lost = verdict({ maxLostWrites: 0, rpoMs: 100 }, m(loss(7, 450)));
  t.deepEqual(lost.failures, ["lost writes: budget ≤ 0 writes, measured 7 writes", "RPO: budget ≤ 100 ms, measured 450 ms"]);
  const expected = verdict({ minLostWrites: 1 }, m(loss(0)));
  t.deepEqual(expected.checks[0].id, { metric: "lostWrites", bound: "min" });
  t.deepEqual(expected.failures, ["expected loss seen: budget ≥ 1 write, measured 0 writes"]);
  t.true(verdict({ minLostWrites: 1 }, m(loss(3))).pass);
  t.regex(verdict({ maxLostWrites: 0 }, m(null)).failures[0], /nothing measured \(no read-back/);
});

test("the budgets a scenario takes are the catalog's, each declared by exactly one metric", (t) => {
  const owned = METRICS.flatMap((m) => m.budgets.map((b) => b.key)).sort();
  t.deepEqual(owned, Object.keys(budgetsSchema.shape).sort());
});

test("every metric with a budget is answered by exactly one registered checker, and the checkers fill every field", (t) => {
  const budgeted = METRICS.filter((m) => m.budgets.length).map((m) => m.id);
  for (const id of budgeted) t.is(CHECKERS.filter((c) => c.metrics.includes(id)).length, 1, `${id}: one checker answers its budget`);
  const { results } = checkAll(emptyHistory(), {});
  t.deepEqual(Object.keys(results).sort(), ["availability", "cache", "dataLoss", "instrument", "linearizability", "oom", "phases", "reads", "total"]);
});

const emptyHistory = () => historyOf();

// A latency budget broken by more than what the instrument itself adds in that phase fails; broken by no more than
// that, it is inconclusive. The phase's floor is measured in the phase: its own schedule lag at the percentile, plus
// the calibrated round trip's median (check/metrics.ts instrumentFloor).
const lat = (p50Us: number, p99Us: number) => ({ count: 1000, p50Us, p99Us, p999Us: p99Us * 2, maxUs: p99Us * 3, meanUs: Math.round(p99Us / 3) });
const withFloor = (
  m: Measurements,
  o: { calibration?: [p50Us: number, p99Us: number]; lagByPhase?: Partial<Record<"baseline" | "fault" | "recovery", number>>; runLagP99Us?: number },
): Measurements => {
  const [c50, c99] = o.calibration ?? [200, 500];
  const calibration = {
    engine: "ioredis" as const,
    ratePerSec: 1000,
    durationMs: 2000,
    direct: lat(100, 300),
    faultLayer: lat(c50, c99),
    faultLayerAddedP50Us: 0,
    faultLayerAddedP99Us: 0,
  };
  const scheduleLagByPhase = Object.fromEntries(Object.entries(o.lagByPhase ?? {}).map(([p, us]) => [p, lat(Math.round(us / 10), us)]));
  return { ...m, instrument: { ...m.instrument, calibration, scheduleLag: lat(50, o.runLagP99Us ?? 0), scheduleLagByPhase } };
};

test("a breach far beyond the floor fails, however high the floor: 900 ms against a 10 ms budget with a 15 ms calibrated floor (finding 2)", (t) => {
  // The reproduction r1: the old rule called it inconclusive because the floor was above the budget, and the run exited 0.
  const v = verdict({ p99Ms: { baseline: 10 } }, withFloor(measured({ baseline: hundred(900) }), { calibration: [15_000, 15_000] }));
  t.false(v.pass);
  t.is(v.checks[0].inconclusive, undefined);
  t.regex(v.failures[0], /^p99 baseline: budget ≤ 10 ms, measured 90\d(\.\d+)? ms$/);
});

test("a Sentinel kill's baseline P99 of 100.9 ms against 10 ms fails: its own lag (39 ms, on the send and on the reply) explains 78 ms of it, not the rest (finding 2, 3)", (t) => {
  // The real run: the floor was 50.2 ms, borrowed from the fault phase's 124 ms lag, and the check was inconclusive.
  const m = withFloor(measured({ baseline: hundred(100.9), fault: hundred(900) }), {
    calibration: [300, 1_200],
    lagByPhase: { baseline: 39_000, fault: 124_000 },
    runLagP99Us: 50_200,
  });
  const v = verdict({ p99Ms: { baseline: 10 } }, m);
  t.false(v.pass);
  t.true(Math.abs(v.checks[0].floor! - 78.3) < 1e-9, `the baseline's floor is twice its own lag plus the round trip's median, ${v.checks[0].floor} ms`);
});

test("a load that went direct to the nodes has the direct path's round trip in its floor, not the fault layer's", (t) => {
  const m = withFloor(measured({ baseline: hundred(1) }), { calibration: [2_000, 3_000], lagByPhase: { baseline: 100 } });
  const floor = (via: "direct" | "fault-layer") => verdict({ p99Ms: { baseline: 0.1 } }, { ...m, instrument: { ...m.instrument, via } }).checks[0].floor;
  t.is(floor("fault-layer"), 2.2, "twice the lag plus the fault layer's P50");
  t.is(floor("direct"), 0.3, "twice the lag plus the direct P50 (100 µs)");
});

test("a noisy calibration window lends nothing: 55.5 ms against 10 ms fails when the load's own lag P99 was 4.5 ms (finding 3)", (t) => {
  const m = withFloor(measured({ baseline: hundred(55.5) }), { calibration: [300, 47_600], lagByPhase: { baseline: 4_500 } });
  const v = verdict({ p99Ms: { baseline: 10 } }, m);
  t.false(v.pass);
  t.is(v.checks[0].floor, 9.3);
});

test("a budget broken by no more than the phase's floor is inconclusive: neither a pass nor a failure, and it says why", (t) => {
  // A driver late by 4.5 ms at P99 in the baseline, on the send and again on the reply: 15 ms against 10 ms is within it.
  const m = withFloor(measured({ baseline: hundred(15) }), { lagByPhase: { baseline: 4_500 } });
  const v = verdict({ p99Ms: { baseline: 10 } }, m);
  t.true(v.pass, "nothing failed conclusively");
  t.deepEqual(v.failures, []);
  t.false(v.checks[0].pass, "and nothing passed either");
  t.regex(v.checks[0].inconclusive!, /exceeded by 5 ms, within this phase's instrument floor of 9\.2 ms/);
  t.regex(v.inconclusive[0], /^p99 baseline: budget ≤ 10 ms, measured 15(\.\d+)? ms: exceeded by/);
  const beyond = verdict({ p99Ms: { baseline: 10 } }, withFloor(measured({ baseline: hundred(25) }), { lagByPhase: { baseline: 4_500 } }));
  t.false(beyond.pass, "25 ms is 5.8 ms more than the budget and the floor together: Redis's to answer for");
});

test("a kept budget passes whatever the floor: the instrument only adds latency", (t) => {
  const kept = verdict(
    { p99Ms: { baseline: 10 } },
    withFloor(measured({ baseline: hundred(6) }), { calibration: [30_000, 30_000], lagByPhase: { baseline: 30_000 } }),
  );
  t.true(kept.pass);
  t.true(kept.checks[0].pass);
});

test("a stall of the driver in one phase is that phase's floor, not the others'", (t) => {
  const m = withFloor(measured({ baseline: hundred(15), fault: hundred(15) }), { lagByPhase: { baseline: 4_500, fault: 500 } });
  const [baseline, fault] = verdict({ p99Ms: { baseline: 10, fault: 10 } }, m).checks;
  t.truthy(baseline.inconclusive, "15 ms against 10 ms, with the driver 9 ms late in that phase");
  t.false(fault.pass);
  t.is(fault.inconclusive, undefined, "the fault phase had no stall: its 15 ms is Redis's");
});

test("budgets that are not latencies are never inconclusive", (t) => {
  const errors = verdict(
    { maxErrorRate: { baseline: 0 } },
    withFloor(measured({ baseline: hundred(6), errors: { baseline: 5 } }), { calibration: [30_000, 30_000], lagByPhase: { baseline: 30_000 } }),
  );
  t.false(errors.pass);
  t.is(errors.checks[0].inconclusive, undefined);
});
