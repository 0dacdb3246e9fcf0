import test from "ava";
import { mannWhitneyGreater } from "../../harness/report/rank-test.js";

// The comparison's rank test: is one side's runs stochastically greater than the other's?

test("3 runs a side, every run of one side above every run of the other: p = 1/20, the smallest there is", (t) => {
  t.is(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).p, 0.05);
  t.is(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).p, 1, "the other way round: no evidence at all");
});

test("one overlap at 3 runs a side is p = 2/20: not enough to tell at α 0.05", (t) => {
  t.is(mannWhitneyGreater([1, 2, 4], [3, 5, 6]).p, 0.1);
});

test("4 runs a side fully apart: p = 1/70; 5: 1/252 (the exact counts of rank arrangements)", (t) => {
  t.true(Math.abs(mannWhitneyGreater([1, 2, 3, 4], [5, 6, 7, 8]).p - 1 / 70) < 1e-12);
  t.true(Math.abs(mannWhitneyGreater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p - 1 / 252) < 1e-12);
});

test("ties count a half and never make p smaller than the untied data would", (t) => {
  const tied = mannWhitneyGreater([1, 2, 3], [3, 4, 5]).p;
  t.true(tied >= 0.05 && tied <= 0.1, `${tied}`);
  t.true(mannWhitneyGreater([2, 2, 2], [2, 2, 2]).p > 0.5, "all tied: no evidence either way");
});

test("past 20 a side the normal approximation agrees with what the exact test gives near its edge", (t) => {
  const x = Array.from({ length: 25 }, (_, i) => i);
  const y = Array.from({ length: 25 }, (_, i) => i + 10);
  const { p } = mannWhitneyGreater(x, y);
  t.true(p > 0 && p < 0.01, `shifted by 10 of 25: ${p}`);
  t.true(mannWhitneyGreater(x, x).p > 0.4, "the same sample: nowhere near");
});
