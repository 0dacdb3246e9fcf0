import test from "ava";
import { existsSync, statSync } from "node:fs";
import { PhaseClock } from "../../harness/measure/phases.js";
import { Recorder } from "../../harness/measure/recorder.js";
import { OpLog } from "../../harness/measure/op-log.js";
import { recordedFaultWindow } from "../helpers/recorded-window.js";

const op = (intendedMs: number, latencyMs: number, error?: "timeout") => ({
  kind: "write" as const,
  intendedMs,
  sentMs: intendedMs,
  doneMs: intendedMs + latencyMs,
  ...(error ? { error } : {}),
});

test("operations land in the second of their intended start, not of their reply", (t) => {
  const r = new Recorder(new PhaseClock());
  r.record(op(999, 5000)); // intended in second 0, replied in second 5
  r.record(op(1000, 1));
  const rows = r.perSecond();
  t.is(rows[0].ops, 1);
  t.true(Math.abs(rows[0].latency.maxUs - 5_000_000) / 5_000_000 < 0.001, "HDR keeps 3 significant digits");
  t.is(rows[1].ops, 1);
});

test("the live second (progress) is read from the log's tail: a slow reply and a driver's late batch are found, other seconds are not counted", (t) => {
  const r = new Recorder(new PhaseClock());
  for (let ms = 0; ms < 3000; ms += 10) r.record(op(ms, 1)); // 100 a second, seconds 0 to 2
  r.record(op(1500, 1400)); // intended in second 1, replied at 2.9 s
  r.record(op(1100, 1)); // a driver thread's batch, logged after later operations
  t.is(r.window(1)!.ops, 102);
  t.is(r.window(2)!.ops, 100);
  t.is(r.window(5), undefined);
  t.deepEqual(
    r.perSecond().map((x) => x.ops),
    [100, 102, 100],
    "and the seconds built at the end agree",
  );
});

test("seconds without operations are kept as empty rows, so a full outage shows as a gap", (t) => {
  const r = new Recorder(new PhaseClock());
  r.record(op(100, 1));
  r.record(op(3100, 1));
  const rows = r.perSecond();
  t.deepEqual(
    rows.map((x) => x.ops),
    [1, 0, 0, 1],
  );
});

test("phases follow the fault marks and warmup is kept apart from the judged phases", (t) => {
  const clock = new PhaseClock(1000);
  const r = new Recorder(clock);
  r.record(op(500, 1)); // warmup
  r.record(op(1500, 1)); // baseline
  clock.markFaultStart(2000);
  r.record(op(1999, 900)); // intended before the fault: baseline, even though it replied during it
  r.record(op(2500, 50, "timeout"));
  clock.markFaultEnd(3000);
  r.record(op(3500, 1));
  const { phases: p, total } = r.summaries();
  t.is(p.warmup.ops, 1);
  t.is(p.baseline.ops, 2);
  t.is(p.fault.ops, 1);
  t.is(p.fault.errors, 1);
  t.is(p.fault.errorsByClass.timeout, 1);
  t.is(p.recovery.ops, 1);
  t.is(total.ops, 4, "the total leaves warmup out");
});

test("latency and service time are recorded in whole microseconds", (t) => {
  const r = new Recorder(new PhaseClock());
  r.record({ kind: "read", intendedMs: 0, sentMs: 0.4, doneMs: 0.5123 });
  const s = r.summaries().total;
  t.is(s.latency.maxUs, 512);
  t.is(s.service.maxUs, 112);
});

test("phases are assigned after the run: a fault whose start is learnt late still gets the operations it hit", (t) => {
  const clock = new PhaseClock();
  const r = new Recorder(clock);
  r.record(op(1050, 2, "timeout")); // fails right after the kill, before the engine confirmed it
  r.record(op(900, 1));
  clock.markFaultStart(1000); // the kill's real moment, marked once known
  clock.markFaultEnd(2000);
  const { phases } = r.summaries();
  t.is(phases.fault.ops, 1);
  t.is(phases.fault.errorsByClass.timeout, 1);
  t.is(phases.baseline.ops, 1);
});

test("an op log drained (as a driver thread sends it) holds the same operations on the other side, and starts empty", (t) => {
  const log = new OpLog();
  const ops = [
    { kind: "write" as const, intendedMs: 10, sentMs: 10.25, doneMs: 11.5 },
    { kind: "read" as const, intendedMs: 11, sentMs: 11, doneMs: 1011, error: "timeout" as const },
  ];
  for (const op of ops) log.add(op);
  const chunk = log.drain();
  t.is(log.length, 0);
  const other = OpLog.of(chunk);
  t.deepEqual([other.at(0), other.at(1)], ops);
});

test("one stall sets a short window's P99 alone, so the P99's interval reaches down to the window without that second", (t) => {
  const clean = recordedFaultWindow(0);
  const stalled = recordedFaultWindow(0, 35);
  t.log(`P99 ${clean.p99Us} µs clean, ${stalled.p99Us} µs with one 35 ms stall; interval ${stalled.interval95!.p99Us.join("–")} µs`);
  t.true(stalled.p99Us > 4000, "35 operations late by 1–35 ms: the 30th slowest is ~5 ms");
  t.true(stalled.interval95!.p99Us[0] <= clean.p99Us + 1, "the stall's second left out, P99 is the clean one");
  t.true(clean.interval95!.p99Us[1] - clean.interval95!.p99Us[0] < 10, "without a stall every second agrees");
});

test("a change that every second shows keeps its interval narrow: +1 ms on every reply stays above the clean window's", (t) => {
  const clean = recordedFaultWindow(0);
  const slower = recordedFaultWindow(1);
  t.true(slower.interval95!.p99Us[0] > clean.interval95!.p99Us[1], `${slower.interval95!.p99Us.join("–")} vs ${clean.interval95!.p99Us.join("–")} µs`);
  t.true(slower.interval95!.p50Us[0] > clean.interval95!.p50Us[1]);
});

test("a long run's op log keeps only its newest segments in memory and the rest on disk, and reads back every operation as logged", (t) => {
  // Segments of 1,000 operations, 2 held: 10,500 operations are 11 segments, 9 of them spilled.
  const log = new OpLog(1000, 2);
  const plain = new OpLog(1 << 20, 1);
  for (let i = 0; i < 10_500; i++) {
    const o = { ...op(i * 0.5, (i % 7) + 0.25, i % 97 === 0 ? "timeout" : undefined), kind: i % 2 ? ("write" as const) : ("read" as const) };
    log.add(o);
    plain.add(o);
    t.true(log.residentOps <= 2000, `at ${i}: ${log.residentOps} in memory`);
  }
  const file = log.spillFile!;
  t.true(existsSync(file));
  t.is(statSync(file).size, 9 * 1000 * 18, "9 segments of 18 bytes an operation on disk");
  t.is(log.residentOps, 1500);
  t.deepEqual([...log.ops()], [...plain.ops()], "every operation, in order, the same as a log held in memory");
  t.deepEqual(log.at(1234), plain.at(1234), "one from the disk");
  t.deepEqual(log.at(10_499), plain.at(10_499), "one from memory");
  t.deepEqual(log.writesByIntendedStart(), plain.writesByIntendedStart());
  log.close();
  t.false(existsSync(file), "closed: the spill file is gone");
});

test("a run's numbers are the same whether its log spilled to disk or not", (t) => {
  const [spilling, held] = [new Recorder(new PhaseClock(), new OpLog(500, 2)), new Recorder(new PhaseClock())];
  for (let i = 0; i < 6000; i++) for (const r of [spilling, held]) r.record(op(i * 2, 1 + (i % 13) * 0.1, i > 3000 && i < 3100 ? "timeout" : undefined));
  t.truthy(spilling.log.spillFile);
  t.deepEqual(spilling.perSecond(), held.perSecond());
  t.deepEqual(spilling.summaries(), held.summaries());
  t.deepEqual(spilling.between(4000, 9000), held.between(4000, 9000));
  t.deepEqual(spilling.window(11)?.summary(), held.window(11)?.summary(), "the live second, from the tail in memory");
  spilling.log.close();
});

test("seconds are handed out in order, each once its slowest operation is read: a second held open by a 4 s reply is complete when it comes", (t) => {
  const r = new Recorder(new PhaseClock());
  // 10 operations a second for 8 seconds, logged as they finish; one of second 1 answers 4 s late.
  const ops = Array.from({ length: 80 }, (_, i) => op(i * 100, i === 12 ? 4000 : 5));
  for (const o of [...ops].sort((a, b) => a.doneMs - b.doneMs)) r.record(o);
  const seen: Array<[number, number]> = [];
  for (const { second, stats } of r.seconds()) seen.push([second, stats.summary().ops]);
  t.deepEqual(
    seen,
    Array.from({ length: 8 }, (_, s) => [s, 10]),
    "every second, in order, with all ten of its operations",
  );
  t.is(r.perSecond()[1].latency.maxUs, 4_000_000, "the late reply is in its own second");
});
