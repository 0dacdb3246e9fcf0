import test from "ava";
import { performance } from "node:perf_hooks";
import { runClosedLoop, runOpenLoop, type Issue, type Sink } from "../../harness/workload/driver.js";
import { Metronome } from "../../harness/workload/metronome.js";
import { OpStats, type OpOutcome } from "../../harness/measure/op-stats.js";

const instant: Issue = (i, _intended, done) => {
  setImmediate(done);
  return i % 2 ? "write" : "read";
};

/** The driver as the harness runs it: on a metronome whose tick 0 is the run clock's zero. */
async function openLoop(ratePerSec: number, durationMs: number, issue: Issue, sink: Sink, onStart = () => {}, signal?: AbortSignal) {
  const metronome = await Metronome.start(Metronome.intervalFor(ratePerSec));
  const clock = () => performance.now() - metronome.startMs;
  onStart();
  try {
    return await runOpenLoop({ ratePerSec, durationMs, metronome }, issue, sink, clock, signal);
  } finally {
    await metronome.stop();
  }
}

function busyWait(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test("open loop: a stall of the client is charged to every operation that should have run during it (coordinated omission)", async (t) => {
  const stats = new OpStats();
  const onStart = () => setTimeout(() => busyWait(150), 200); // the event loop freezes for 150 ms: nothing is sent meanwhile
  const r = await openLoop(1000, 600, instant, (op) => stats.record(op), onStart);
  t.is(r.issued, 600);
  t.is(stats.ops, 600);
  const s = stats.summary();
  // The operation intended right at the start of the freeze waited for all of it.
  t.true(s.latency.maxUs >= 140_000, `max latency ${s.latency.maxUs} µs should include the 150 ms stall`);
  // ~150 of 600 operations were intended during the freeze: far more than 1% of them are delayed.
  t.true(s.latency.p99Us >= 100_000, `p99 ${s.latency.p99Us} µs should see the stall`);
  // Service time (send -> reply) does not see it: that is exactly what a closed-loop tool would report.
  t.true(s.service.maxUs < 50_000, `service max ${s.service.maxUs} µs should not include the stall`);
});

test("open loop: operations keep being issued on schedule while earlier ones are still waiting for replies", async (t) => {
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  let inFlightMax = 0;
  let inFlight = 0;
  const slow: Issue = (_i, _intended, done) => {
    inFlight++;
    inFlightMax = Math.max(inFlightMax, inFlight);
    setTimeout(() => (inFlight--, done()), 100);
    return "read";
  };
  const r = await runOpenLoop({ ratePerSec: 500, durationMs: 300 }, slow, () => {}, clock); // timer-driven
  t.is(r.issued, 150);
  t.true(inFlightMax >= 40, `a 100 ms server at 500 ops/s holds ~50 in flight, saw ${inFlightMax}`);
});

test("open loop: failures are recorded with their class and their latency up to the failure", async (t) => {
  const outcomes: OpOutcome[] = [];
  const failing: Issue = (_i, _intended, done) => {
    setImmediate(() => done(new Error("READONLY You can't write against a read only replica.")));
    return "write";
  };
  await openLoop(1000, 20, failing, (o) => outcomes.push(o));
  t.is(outcomes.length, 20);
  t.true(outcomes.every((o) => o.error === "READONLY" && o.doneMs >= o.intendedMs));
});

test("open loop: an abort stops issuing and still settles what is in flight", async (t) => {
  const ac = new AbortController();
  const r = await openLoop(
    1000,
    10_000,
    instant,
    () => {},
    () => setTimeout(() => ac.abort(), 50),
    ac.signal,
  );
  t.true(r.issued > 10 && r.issued < 500, `issued ${r.issued}`);
});

test("closed loop: each connection sends its pipeline as one batch and the next once all of it replied; latency is service time", async (t) => {
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const outcomes: OpOutcome[] = [];
  const inFlight = [0, 0];
  let maxInFlight = 0;
  let sawPartialBatch = false;
  const issue: Issue = (i, _intended, done) => {
    const c = i % 2; // round-robin clients, as the issuers pick them
    if ((i - c) % 16 === 0 && inFlight[c] !== 0) sawPartialBatch = true; // a batch began before the last one had replied
    inFlight[c]++;
    maxInFlight = Math.max(maxInFlight, inFlight[0] + inFlight[1]);
    setTimeout(() => (inFlight[c]--, done()), 1 + (i % 3)); // replies come back out of step
    return "read";
  };
  const r = await runClosedLoop({ durationMs: 100, connections: 2, pipeline: 8 }, issue, (o) => outcomes.push(o), clock);
  t.is(r.mode, "closed-loop");
  t.is(maxInFlight, 16);
  t.false(sawPartialBatch);
  t.is(r.issued, outcomes.length);
  t.is(r.issued % 8, 0);
  t.true(outcomes.every((o) => o.intendedMs === o.sentMs));
});
