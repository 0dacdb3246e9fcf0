import test from "ava";
import { HarnessMemory, memoryTrend, type HarnessMemorySample } from "../../harness/measure/harness-memory.js";

const MB = 2 ** 20;
/** 20 minutes sampled every 5 s: a garbage collector's saw-tooth of 60 MB on `live`, which grows `growMBPerMin`. */
function soak(growMBPerMin: number): HarnessMemorySample[] {
  return Array.from({ length: 240 }, (_, i) => {
    const tMs = i * 5000;
    const live = 50 * MB + (growMBPerMin * MB * tMs) / 60_000;
    const saw = ((i % 7) / 6) * 60 * MB;
    return { tMs, rssBytes: 200 * MB + live + saw, heapUsedBytes: live + saw, arrayBuffersBytes: 5 * MB };
  });
}

test("a flat harness reads flat through its garbage collector's saw-tooth; one that grows 2 MB a minute reads as that", (t) => {
  const flat = memoryTrend(soak(0), 1_200_000)!;
  t.true(Math.abs(flat.heapFloorMBPerMin) < 0.05, `heap floor ${flat.heapFloorMBPerMin}`);
  t.true(Math.abs(flat.rssMBPerMin) < 0.5, `RSS ${flat.rssMBPerMin}`);
  const growing = memoryTrend(soak(2), 1_200_000)!;
  t.true(Math.abs(growing.heapFloorMBPerMin - 2) < 0.1, `heap floor ${growing.heapFloorMBPerMin}`);
  t.true(Math.abs(growing.rssMBPerMin - 2) < 0.5, `RSS ${growing.rssMBPerMin}`);
  t.true(Math.abs(flat.minutes - 10) < 0.2, "over the load's second half");
});

test("a run shorter than two minutes of second half has no trend to speak of", (t) => {
  t.is(memoryTrend(soak(0).slice(0, 12), 60_000), null);
});

test("the probe samples at its start, on its interval and at its stop, on the run's clock", async (t) => {
  let now = 1000;
  let rss = 100;
  const p = new HarnessMemory({ clock: () => now }, 10, () => ({ rss: rss++, heapTotal: 0, heapUsed: 7, external: 0, arrayBuffers: 3 }));
  await p.start();
  await new Promise((r) => setTimeout(r, 35));
  now = 2000;
  await p.stop();
  p.rebase(1000);
  const { samples } = p.contribute().harnessMemory!;
  t.true(samples.length >= 3, `${samples.length} samples`);
  t.deepEqual(samples[0], { tMs: 0, rssBytes: 100, heapUsedBytes: 7, arrayBuffersBytes: 3 });
  t.is(samples[samples.length - 1].tMs, 1000);
});
