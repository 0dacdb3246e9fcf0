import test from "ava";
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { startAppServer } from "../../harness/app/app-server.js";
import { isReader, startAppLoad } from "../../harness/app/autocannon-load.js";
import { ConnectionSchedule } from "../../harness/app/connection-schedule.js";
import { startAppLoadThread } from "../../harness/app/app-load-thread.js";
import type { OpOutcome } from "../../harness/measure/op-stats.js";
import type { DataClient } from "../../harness/topology/types.js";

test("a request sent on its connection's tick was due then", (t) => {
  const s = new ConnectionSchedule("write", 0, 10_000);
  t.deepEqual(s.sent(0), []);
  const op = s.finished(2)!;
  s.settle();
  t.is(op.intendedMs, 0);
  t.is(op.doneMs, 2);
  t.deepEqual(s.sent(1000), []);
  t.is(s.finished(1003)!.intendedMs, 1000);
});

test("a request held up by a slow response was due at the last tick, and ticks with no request at all are counted as waiting", (t) => {
  const s = new ConnectionSchedule("write", 0, 10_000);
  s.sent(0);
  // The response took 3.5 s: the ticks at 1 s, 2 s and 3 s found the connection busy.
  const slow = s.finished(3500, "timeout")!;
  t.is(slow.doneMs - slow.intendedMs, 3500);
  const earlier = s.sent(3500); // autocannon sends at once, in the same turn
  t.deepEqual(
    earlier.map((o) => [o.intendedMs, o.doneMs, o.error]),
    [
      [1000, 3500, "timeout"],
      [2000, 3500, "timeout"],
    ],
    "the requests due at 1 s and 2 s waited until the connection came free, and share the fate of the one that held it",
  );
  const next = s.finished(3510)!;
  t.is(next.intendedMs, 3000, "due at the 3 s tick");
  t.is(next.sentMs, 3500);
});

test("a tick that fires late does not move the request's due time: the lateness is in its latency", (t) => {
  const s = new ConnectionSchedule("read", 250, 10_000); // due at 250 ms, then every second
  s.sent(250.3);
  s.finished(252);
  s.settle();
  t.deepEqual(s.sent(1290), [], "the tick due at 1250 ms fired 40 ms late");
  const op = s.finished(1293)!;
  t.is(op.intendedMs, 1250);
  t.is(op.sentMs, 1290);
  t.is(op.doneMs - op.intendedMs, 43);
});

test("autocannon's 1-second timer drifts a few ms a tick: every request is still dated on the grid, none counted as missed", (t) => {
  const s = new ConnectionSchedule("write", 100, 10_000);
  for (let k = 0; k < 30; k++) {
    const firedMs = 100 + k * 1000 + 1 + 3 * k; // Node re-arms an interval from when it ran: the lateness adds up
    t.deepEqual(s.sent(firedMs), [], `tick ${k}`);
    const op = s.finished(firedMs + 5)!;
    s.settle();
    t.is(op.intendedMs, 100 + k * 1000);
    t.is(op.doneMs - op.intendedMs, 1 + 3 * k + 5, "its timer's lateness, then the response");
  }
});

test("a request held up by a slow response is dated at the late tick that let it out, not at a grid point that tick had not reached", (t) => {
  const s = new ConnectionSchedule("write", 0, 10_000);
  s.sent(40); // autocannon's ticks come 40 ms after the grid's
  s.finished(2010); // its tick at 1040 found it busy; the one at 2040 has not come
  t.deepEqual(s.sent(2010), [], "nothing was missed: the tick at 1040 let this one out");
  t.is(s.finished(2015)!.intendedMs, 1000);
  s.settle();
  t.deepEqual(s.sent(2040), []);
  t.is(s.finished(2042)!.intendedMs, 2000);
});

test("a timer that fires a little before its grid point (Node dates timers from the loop's cached time) is dated when it sent, not later", (t) => {
  const s = new ConnectionSchedule("read", 100, 10_000);
  t.deepEqual(s.sent(99.5), []);
  const op = s.finished(101)!;
  t.is(op.intendedMs, 99.5);
  t.is(op.sentMs, 99.5);
});

test("a request abandoned by autocannon (resent without a word) counts as timed out after the timeout, else as a broken connection", (t) => {
  const s = new ConnectionSchedule("read", 0, 2000);
  s.sent(0);
  const [abandoned] = s.sent(2000);
  t.is(abandoned.error, "timeout");
  t.is(abandoned.doneMs, 2000);
  const s2 = new ConnectionSchedule("read", 0, 2000);
  s2.sent(0);
  t.is(s2.sent(300)[0].error, "connection");
});

test("readers are spread among writers in the ratio asked", (t) => {
  const readers = (n: number, r: number) => Array.from({ length: n }, (_, i) => isReader(i, n, r)).filter(Boolean).length;
  t.is(readers(20, 0.5), 10);
  t.is(readers(20, 0), 0);
  t.is(readers(20, 1), 20);
  t.is(readers(10, 0.3), 3);
});

/** A stand-in for a Redis client whose writes hang from `stallFrom` to `stallTo` (ms on `clock`) and then time out. */
function stallingClient(clock: () => number, stallFrom: number, stallTo: number): DataClient {
  const fake = Object.assign(new EventEmitter(), {
    set: () =>
      clock() >= stallFrom && clock() < stallTo
        ? new Promise((_, reject) => setTimeout(() => reject(new Error("Command timed out")), stallTo - clock()))
        : Promise.resolve("OK"),
    get: () => Promise.resolve("1"),
  });
  return fake as unknown as DataClient;
}

test.serial("autocannon drives the app at the rate asked, and a stall shows in HTTP latency from the intended start and as 504s", async (t) => {
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const server = await startAppServer(stallingClient(clock, 1500, 3200));
  const ops: OpOutcome[] = [];
  const load = startAppLoad({ baseUrl: server.url, rate: 40, readRatio: 0.5, timeoutS: 10 }, clock, (op) => ops.push(op));
  await new Promise((r) => setTimeout(r, 5000));
  const counts = await load.stop();
  await server.close();

  const inLoad = ops.filter((o) => o.intendedMs < 4900);
  t.log(`ops ${ops.length}, statuses ${JSON.stringify(counts.httpStatus)}, redis errors ${JSON.stringify(server.redisErrors)}`);
  t.true(Math.abs(inLoad.length - 40 * 4.9) <= 40 * 0.25, `about 40 requests a second for 4.9 s, got ${inLoad.length}`);
  t.is(counts.connections, 40);
  const writes = ops.filter((o) => o.kind === "write");
  const reads = ops.filter((o) => o.kind === "read");
  t.true(Math.abs(writes.length - reads.length) <= 0.2 * ops.length, "half reads, half writes");
  t.true(counts.httpStatus["504"] > 0, "writes that timed out in Redis came back as 504");
  t.is(server.redisErrors.timeout, counts.httpStatus["504"]);
  t.true(
    reads.every((o) => !o.error),
    "reads never stalled",
  );
  const worst = Math.max(...writes.map((o) => o.doneMs - o.intendedMs));
  t.true(worst >= 1600, `a write due at 1.5 s waited ~1.7 s: worst ${Math.round(worst)} ms`);
  const sentIn = (from: number, to: number) => writes.filter((o) => o.sentMs >= from && o.sentMs < to);
  t.true(sentIn(1600, 3100).length > 0 && sentIn(1600, 3100).every((o) => o.error === "timeout"), "every write sent during the stall failed");
  t.true(
    sentIn(3300, Infinity).every((o) => !o.error),
    "writes sent after it succeed, even those that were due during it",
  );
  t.true(
    writes.some((o) => o.intendedMs < 3200 && o.sentMs >= 3200 && !o.error && o.doneMs - o.intendedMs > 500),
    "held-up writes carry their wait",
  );
});

test.serial("autocannon runs in a thread of its own: a stall of the harness's main thread shows in HTTP latency", async (t) => {
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const server = await startAppServer(stallingClient(clock, Infinity, Infinity));
  const ops: OpOutcome[] = [];
  const load = startAppLoadThread({ baseUrl: server.url, rate: 20, readRatio: 0.5, timeoutS: 10 }, clock, (op) => ops.push(op));
  await new Promise((r) => setTimeout(r, 1500));
  const blockedAt = clock();
  while (clock() < blockedAt + 600); // the app (and anything else on this thread) answers nothing for 600 ms
  await new Promise((r) => setTimeout(r, 1500));
  await load.stop();
  await server.close();
  const during = ops.filter((o) => o.intendedMs >= blockedAt + 50 && o.intendedMs < blockedAt + 500);
  t.true(during.length > 0, "requests were due during the stall");
  t.true(
    during.every((o) => o.doneMs >= blockedAt + 590),
    `each waited for the thread: ${during.map((o) => Math.round(o.doneMs - o.intendedMs)).join(", ")} ms`,
  );
});

test.serial("a request still unanswered when the load stops counts as a timeout at that moment, not as nothing", async (t) => {
  const origin = performance.now();
  const clock = () => performance.now() - origin;
  const hang = Object.assign(new EventEmitter(), {
    set: () => (clock() < 1000 ? Promise.resolve("OK") : new Promise(() => {})), // writes hang after 1 s
    get: () => Promise.resolve("1"),
  }) as unknown as DataClient;
  const server = await startAppServer(hang);
  const ops: OpOutcome[] = [];
  const load = startAppLoad({ baseUrl: server.url, rate: 10, readRatio: 0, timeoutS: 30 }, clock, (op) => ops.push(op));
  await new Promise((r) => setTimeout(r, 2000));
  const stoppedAt = clock();
  const counts = await load.stop();
  await server.close();
  t.true(counts.unfinished > 0, `${counts.unfinished} requests hung at the end`);
  const closed = ops.filter((o) => o.error === "timeout");
  t.is(closed.length, counts.unfinished);
  t.true(
    closed.every((o) => o.doneMs >= stoppedAt + 2900 && o.intendedMs >= 1000),
    "failed after the drain, with their whole wait",
  );
  const answers = Object.values(counts.httpStatus).reduce((a, b) => a + b, 0);
  t.true(answers > 0 && answers <= ops.length - closed.length, "answers to requests sent after the stop are not counted");
});
