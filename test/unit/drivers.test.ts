import test from "ava";
import { decodeHistogram, encodeHistogram, newHistogram, recordUs } from "../../harness/measure/histogram.js";
import { WriteLedger } from "../../harness/measure/ledger.js";
import { OpLog } from "../../harness/measure/op-log.js";
import { StaleReadLog } from "../../harness/measure/stale-reads.js";
import { Drivers, sameHistogram, type DriverEndpoint } from "../../harness/workload/drivers.js";
import type { FromShard } from "../../harness/workload/shard-runner.js";

// The check that what a driver sent is the whole of what it measured (drivers.ts): its own histogram, made where it ran
// and sent as text, against the histogram of the operations that arrived from it.

const of = (values: number[]) => {
  const h = newHistogram();
  for (const v of values) recordUs(h, v);
  return h;
};

test("a histogram sent as text and decoded is the same histogram, though its max reads as its bucket's top", (t) => {
  const sent = of([51, 130, 2389, 20_376]);
  const back = decodeHistogram(encodeHistogram(sent));
  t.not(back.maxValue, sent.maxValue, "the decoded max is the bucket's highest value (20,383), not the value recorded");
  t.true(sameHistogram(back, sent));
});

test("one operation missing, one extra, or one value in another bucket is caught", (t) => {
  const all = of([51, 130, 2389, 20_376]);
  t.false(sameHistogram(of([51, 130, 2389]), all), "one missing");
  t.false(sameHistogram(of([51, 130, 2389, 20_376, 20_376]), all), "one twice");
  t.false(sameHistogram(of([51, 131_000, 2389, 20_376]), all), "same count, one value elsewhere");
  t.true(sameHistogram(of([20_376, 2389, 130, 51]), all), "order does not matter");
});

/**
 * A driver that answers as a shard does (ready, its clock) and, told to go, sends one batch of `ops` operations and the
 * ledger writes `writes` (made with a ledger of its own, shard `shard`), then its totals, claiming `claimWrites` writes.
 */
function fakeDriver(shard: number, writes: number, claimWrites = writes): DriverEndpoint {
  let handle: (m: FromShard) => void = () => {};
  const ledger = new WriteLedger(`w:${shard}`);
  for (let i = 0; i < writes; i++) ledger.settle(ledger.begin(i), i + 0.5);
  const log = new OpLog();
  for (let i = 0; i < writes; i++) log.add({ kind: "write", intendedMs: i, sentMs: i, doneMs: i + 0.5 });
  const own = newHistogram();
  for (let i = 0; i < writes; i++) recordUs(own, 500);
  return {
    label: `fake ${shard}`,
    send: (m) =>
      queueMicrotask(() => {
        if (m.type === "clock?") handle({ type: "clock", nowAbs: performance.timeOrigin + performance.now() });
        if (m.type !== "go") return;
        handle({ type: "ops", chunk: log.drain(), messages: [], events: [], writes: ledger.drain(shard, true) });
        handle({ type: "totals", ops: writes, latency: encodeHistogram(own), writes: claimWrites });
        handle({ type: "done", result: { mode: "open-loop", issued: writes, lastIssueMs: writes, endMs: writes } });
      }),
    onMessage: (h) => {
      handle = h;
      queueMicrotask(() => h({ type: "ready" }));
    },
    onGone: () => {},
    stop: async () => {},
  };
}

test("two drivers' ledgers arrive in the run's, each write once under its driver's key; a driver whose writes did not all arrive is named", async (t) => {
  const drivers = await Drivers.start([fakeDriver(0, 3), fakeDriver(1, 2, 5)]);
  const stores = { ledger: new WriteLedger(), staleReads: new StaleReadLog() };
  await drivers.go(
    performance.timeOrigin + performance.now(),
    () => {},
    () => {},
    undefined,
    stores,
  );
  t.deepEqual(
    Array.from({ length: stores.ledger.size }, (_, id) => stores.ledger.key(id)),
    ["w:0:0", "w:0:1", "w:0:2", "w:1:0", "w:1:1"],
  );
  t.deepEqual(
    drivers.summaries().map((s) => s.arrivedWhole),
    [true, false],
    "driver 1 says it made 5 writes; 2 arrived",
  );
});
