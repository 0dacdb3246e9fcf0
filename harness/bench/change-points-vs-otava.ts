import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { changePoints } from "../history/change-points.js";
import { Rng } from "../workload/rng.js";

/**
 * A comparison, not a test: the harness's change points (history/change-points.ts) beside Apache Otava's on the same
 * series, the way Otava's own `analyze` finds them (compute_change_points, max p-value 0.001, window 50). Otava runs in
 * a Python venv this script makes under .scratch/otava (pip, through the machine's own index configuration) the
 * first time. Prints each series' change points from both, and how many series agree exactly.
 */

const VENV = path.resolve(".scratch/otava");
const PY = path.join(VENV, "bin", "python");

function ensureOtava(): void {
  if (existsSync(PY) && execFileSync(PY, ["-c", "import otava; print('ok')"], { encoding: "utf8" }).trim() === "ok") return;
  process.stderr.write("setting up Apache Otava 0.8.0 in .scratch/otava (once)\n");
  execFileSync("python3", ["-m", "venv", VENV], { stdio: "inherit" });
  execFileSync(path.join(VENV, "bin", "pip"), ["install", "-q", "apache-otava==0.8.0"], { stdio: "inherit" });
}

const OTAVA = `
import json, sys
from otava.analysis import compute_change_points
out = []
for s in json.load(sys.stdin):
    cps, _ = compute_change_points(s, window_len=50, max_pvalue=0.001)
    out.append([{"index": int(c.index), "p": float(c.stats.pvalue)} for c in cps])
print(json.dumps(out))
`;

const noisy = (n: number, level: number, noise: number, seed: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => level + (rng.next() * 2 - 1) * noise);
};

/** Named series with the change points planted in them (indexes of the first value after each shift). */
const SERIES: Array<{ name: string; planted: number[]; values: number[] }> = [
  // The ten real nights of docs/nightly.md: P50 and P99 of the fault phase, ms.
  { name: "real nights: P50 fault, 2 ms from night 7", planted: [6], values: [0.477, 0.469, 0.475, 0.466, 0.48, 0.422, 2.641, 2.663, 2.633, 2.651] },
  { name: "real nights: P99 fault, 2 ms from night 7", planted: [6], values: [1.023, 0.858, 1.115, 1.292, 0.939, 0.999, 4.591, 3.667, 3.685, 4.053] },
  ...[1, 2, 3, 4, 5].map((seed) => ({
    name: `+2 ms at night 7 of 10, ±0.2 ms (seed ${seed})`,
    planted: [6],
    values: [...noisy(6, 1, 0.2, seed), ...noisy(4, 3, 0.2, seed + 50)],
  })),
  ...[1, 2, 3].map((seed) => ({
    name: `up at 15 and back at 30 of 45, ±0.2 ms (seed ${seed})`,
    planted: [15, 30],
    values: [...noisy(15, 1, 0.2, seed), ...noisy(15, 1.6, 0.2, seed + 10), ...noisy(15, 1, 0.2, seed + 20)],
  })),
  ...[1, 2, 3].map((seed) => ({
    name: `+0.3 ms at 20 of 40, ±0.1 ms (seed ${seed})`,
    planted: [20],
    values: [...noisy(20, 1, 0.1, seed), ...noisy(20, 1.3, 0.1, seed + 30)],
  })),
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seed) => ({ name: `noise only, 30 nights ±0.5 ms (seed ${seed})`, planted: [], values: noisy(30, 1, 0.5, seed) })),
];

ensureOtava();
const otava = JSON.parse(execFileSync(PY, ["-c", OTAVA], { input: JSON.stringify(SERIES.map((s) => s.values)), encoding: "utf8" })) as Array<
  Array<{ index: number; p: number }>
>;
let agree = 0;
let oursFound = 0;
let otavaFound = 0;
const plantedCount = SERIES.reduce((a, s) => a + s.planted.length, 0);
const fmt = (cps: Array<{ index: number }>) => (cps.length ? cps.map((c) => c.index).join(", ") : "none");
process.stdout.write(`${"series".padEnd(52)} ${"planted".padEnd(9)} ${"harness".padEnd(9)} otava\n`);
SERIES.forEach((s, i) => {
  const ours = changePoints(s.values).map((c) => ({ index: c.index }));
  const theirs = otava[i];
  if (fmt(ours) === fmt(theirs)) agree++;
  oursFound += s.planted.filter((p) => ours.some((c) => c.index === p)).length;
  otavaFound += s.planted.filter((p) => theirs.some((c) => c.index === p)).length;
  process.stdout.write(`${s.name.padEnd(52)} ${fmt(s.planted.map((index) => ({ index }))).padEnd(9)} ${fmt(ours).padEnd(9)} ${fmt(theirs)}\n`);
});
process.stdout.write(
  `\nthe same change points in ${agree} of ${SERIES.length} series; planted shifts found: harness ${oursFound} of ${plantedCount}, Otava ${otavaFound} of ${plantedCount}\n`,
);
