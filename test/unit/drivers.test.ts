import test from "ava";
import { decodeHistogram, encodeHistogram, newHistogram, recordUs } from "../../harness/measure/histogram.js";
import { sameHistogram } from "../../harness/workload/drivers.js";

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
