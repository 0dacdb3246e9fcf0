import { describeCheck } from "../check/verdict.js";
import type { RunReport } from "./types.js";
import { escapeMarkup } from "./escape.js";

const esc = escapeMarkup;

/**
 * JUnit XML for CI: one test case per scenario run; a broken budget is a <failure> naming the budget and the measured
 * value, a run that could not finish (aborted, environment) is an <error>, and so is one that left no report; a run
 * whose only open budgets were inconclusive (under its instrument floor) is <skipped>, with why.
 */
export function renderJUnit(suiteName: string, runs: RunReport[], unreported: Array<{ name: string; error: string }> = []): string {
  const failures = runs.filter((r) => r.status === "completed" && !r.verdict.pass).length;
  const errors = runs.filter((r) => r.status !== "completed").length + unreported.length;
  const skipped = runs.filter((r) => r.status === "completed" && r.verdict.pass && r.verdict.inconclusive.length).length;
  const seconds = (r: RunReport) => ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(3);
  const cases = runs.map((r) => {
    const name = `${esc(r.scenario.topology.kind)}.${esc(r.scenario.name)}`;
    const head = `  <testcase classname="${esc(suiteName)}" name="${esc(r.scenario.name)}" time="${seconds(r)}">`;
    const checks = r.verdict.checks
      .map((c) => `${c.pass ? "ok" : c.inconclusive ? "INCONCLUSIVE" : "FAILED"} ${describeCheck(c)}${c.inconclusive ? `: ${c.inconclusive}` : ""}`)
      .join("\n");
    let body = "";
    if (r.status !== "completed") body = `\n    <error message="${esc(`run ${r.status}: ${r.problem ?? ""}`)}">${esc(checks)}</error>`;
    else if (!r.verdict.pass) body = `\n    <failure message="${esc(r.verdict.failures.join("; "))}">${esc(checks)}</failure>`;
    else if (r.verdict.inconclusive.length) body = `\n    <skipped message="${esc(`inconclusive: ${r.verdict.inconclusive.join("; ")}`)}"/>`;
    return `${head}${body}\n    <system-out>${esc(`${name}\n${checks}`)}</system-out>\n  </testcase>`;
  });
  // A run that stopped before it had a report (a harness bug) is still a test case, in error.
  for (const u of unreported)
    cases.push(`  <testcase classname="${esc(suiteName)}" name="${esc(u.name)}" time="0">\n    <error message="${esc(u.error)}"></error>\n  </testcase>`);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuite name="${esc(suiteName)}" tests="${runs.length + unreported.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n` +
    `${cases.join("\n")}\n</testsuite>\n`
  );
}
