import test from "ava";
import { fitLine, predict } from "../../harness/study/fit.js";
import { Rng } from "../../harness/workload/rng.js";

// The capacity model's fitting: a known line is recovered from noisy points, its interval covers the truth, and a
// prediction far beyond the points says it is an extrapolation.

/** Points on y = 22x + 8 (fork ms against GB: the slope this machine measured) with Gaussian noise of sd `sd`. */
function noisyLine(xs: number[], sd: number, seed: number) {
  const rng = new Rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return xs.map((x) => ({ x, y: 22 * x + 8 + sd * gauss() }));
}

test("points exactly on a line give that line, R² 1 and a zero-width interval", (t) => {
  const f = fitLine([1, 2, 4, 8].map((x) => ({ x, y: 3 * x + 1 })));
  t.is(f.slope, 3);
  t.is(f.intercept, 1);
  t.is(f.r2, 1);
  t.deepEqual(f.slopeCi95, [3, 3]);
});

test("a known slope and intercept are recovered from noisy points, and the 95% interval covers the slope about 95% of the time", (t) => {
  const xs = [0.5, 1, 2, 4, 8];
  let covered = 0;
  const trials = 400;
  for (let seed = 1; seed <= trials; seed++) {
    const f = fitLine(noisyLine(xs, 3, seed));
    if (f.slopeCi95[0] <= 22 && 22 <= f.slopeCi95[1]) covered++;
  }
  t.true(covered / trials > 0.92 && covered / trials < 0.98, `covered ${covered} of ${trials}`);
  const one = fitLine(noisyLine(xs, 3, 7));
  t.true(Math.abs(one.slope - 22) < 2, `slope ${one.slope}`);
  t.true(Math.abs(one.intercept - 8) < 6, `intercept ${one.intercept}`);
  t.true(one.r2 > 0.98, `r2 ${one.r2}`);
});

test("a prediction's interval widens away from the points; beyond 3× the largest point it is an extrapolation", (t) => {
  const f = fitLine(noisyLine([0.5, 1, 2, 4, 8], 3, 11));
  const near = predict(f, 4);
  const far = predict(f, 25);
  t.false(near.beyondMeasured);
  t.true(far.beyondMeasured, "25 GB from points up to 8 GB");
  t.false(predict(f, 24).beyondMeasured, "3× is still read as measured range");
  const width = (p: { ci95: [number, number] }) => p.ci95[1] - p.ci95[0];
  t.true(width(far) > 3 * width(near));
  t.true(far.pi95[0] < far.ci95[0] && far.pi95[1] > far.ci95[1], "one new measurement scatters more than the line");
  // Over many draws, the line's interval at 25 GB covers the true value about 95% of the time.
  const truth = 22 * 25 + 8;
  let covered = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const p = predict(fitLine(noisyLine([0.5, 1, 2, 4, 8], 3, seed)), 25);
    if (p.ci95[0] <= truth && truth <= p.ci95[1]) covered++;
  }
  t.true(covered > 368 && covered < 392, `covered ${covered} of 400`);
});

test("too few points, or all at one x, is refused with the reason", (t) => {
  t.throws(
    () =>
      fitLine([
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ]),
    { message: /at least 3 points/ },
  );
  t.throws(() => fitLine([1, 1, 1].map((x) => ({ x, y: x }))), { message: /two different x/ });
});
