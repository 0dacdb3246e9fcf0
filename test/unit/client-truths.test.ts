import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { budgetChecks, verdictOf, type Check } from "../../harness/check/verdict.js";
import { runClientMatrix } from "../../harness/commands/clients.js";
import { BadInputError, EXIT } from "../../harness/infra/errors.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { classifyError } from "../../harness/measure/errors.js";
import type { ServerSample } from "../../harness/measure/sampler.js";
import {
  againstBudgetsText,
  clientMatrixRows,
  connectionsPerSecond,
  renderClientMatrixHtml,
  renderClientMatrixMarkdown,
  renderClientMatrixText,
  type ClientMatrixRow,
} from "../../harness/report/client-matrix.js";
import type { IndexEntry } from "../../harness/report/index-page.js";
import type { RunStatus } from "../../harness/report/types.js";
import type { RunOptions, RunResult } from "../../harness/run/run.js";
import { loadClientProfiles, pickProfiles } from "../../harness/scenario/client-profiles.js";
import { loadScenario } from "../../harness/scenario/load.js";
import type { Scenario } from "../../harness/scenario/schema.js";
import { DEFAULT_CLIENT_SETTINGS, reconnectDelay, toRedisOptions } from "../../harness/topology/client-options.js";
import { nodeRedisOptions } from "../../harness/workload/engines/node-redis-pool.js";
import { OPEN_ACCESS } from "../../harness/security/run-security.js";
import { syntheticReport } from "../helpers/synthetic-run.js";

const userFile = (profiles: unknown) => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), "profiles-")), "mine.json");
  writeFileSync(f, JSON.stringify({ profiles }));
  return f;
};

test("the project's profiles: at least two per library, each described", (t) => {
  const all = [...loadClientProfiles().values()];
  for (const lib of ["ioredis", "node-redis"]) t.true(all.filter((p) => p.engine === lib).length >= 2, `${lib} has two profiles or more`);
  t.true(all.every((p) => p.description.length > 20));
  const def = loadClientProfiles().get("ioredis-default")!;
  t.like(
    def.client,
    { commandTimeoutMs: 0, maxRetriesPerRequest: 20, reconnectBackoff: "exponential", reconnectJitterMs: 200, failoverDetector: false, protocol: 3 },
    "ioredis as it comes, not the harness's pinned settings",
  );
});

test("--clients: names in order; an unknown or repeated one is refused with the known names", (t) => {
  t.deepEqual(
    pickProfiles("node-redis-default, ioredis-failfast").map((p) => p.name),
    ["node-redis-default", "ioredis-failfast"],
  );
  const unknown = t.throws(() => pickProfiles("ioredis-default,lettuce"), { instanceOf: BadInputError });
  t.regex(unknown!.message, /"lettuce"/);
  t.regex((unknown as BadInputError).hint!, /ioredis-failfast/);
  t.throws(() => pickProfiles("ioredis-default,ioredis-default"), { instanceOf: BadInputError, message: /twice/ });
  t.throws(() => pickProfiles(" , "), { instanceOf: BadInputError, message: /empty/ });
});

test("a user's profiles file adds profiles and replaces one by name; a setting the library lacks is refused, naming it", (t) => {
  const mine = userFile({
    "ioredis-default": { engine: "ioredis", description: "replaced: mine", client: { commandTimeoutMs: 250 } },
    "node-redis-tight": { engine: "node-redis", description: "a tight queue", client: { commandsQueueMaxLength: 10 } },
  });
  const all = loadClientProfiles(mine);
  t.is(all.get("ioredis-default")!.client.commandTimeoutMs, 250);
  t.is(all.get("node-redis-tight")!.client.commandsQueueMaxLength, 10);
  const wrong = userFile({ x: { engine: "node-redis", description: "d", client: { maxRetriesPerRequest: 3 } } });
  t.throws(() => loadClientProfiles(wrong), {
    instanceOf: BadInputError,
    message: /maxRetriesPerRequest is a setting of ioredis, which node-redis does not have/,
  });
  t.throws(() => loadClientProfiles(userFile({ x: { engine: "jedis", description: "d" } })), { instanceOf: BadInputError, message: /profiles\.x\.engine/ });
});

test("a profile applied to a scenario: its library and settings replace the scenario's, and the run is named after both", (t) => {
  const [p] = pickProfiles("node-redis-failfast");
  const s = loadScenario("sentinel-master-kill", { clientProfile: p });
  t.is(s.name, "sentinel-master-kill-node-redis-failfast");
  t.is(s.workload.engine, "node-redis");
  t.is(s.clientProfile, "node-redis-failfast");
  t.like(s.client, { commandTimeoutMs: 500, enableOfflineQueue: false, commandsQueueMaxLength: 1000 });
  t.is(s.faults.length, loadScenario("sentinel-master-kill").faults.length, "the scenario itself unchanged");
});

test("reconnection delays: fixed, linear (ioredis's default) and exponential (node-redis's), capped, with jitter added", (t) => {
  const s = { ...DEFAULT_CLIENT_SETTINGS, reconnectDelayMs: 50, reconnectMaxDelayMs: 2000 };
  t.deepEqual(
    [1, 2, 3, 100].map((n) => reconnectDelay({ ...s, reconnectBackoff: "fixed" }, n)),
    [50, 50, 50, 50],
  );
  t.deepEqual(
    [1, 2, 3, 100].map((n) => reconnectDelay({ ...s, reconnectBackoff: "linear" }, n)),
    [50, 100, 150, 2000],
  );
  t.deepEqual(
    [1, 2, 3, 100].map((n) => reconnectDelay({ ...s, reconnectBackoff: "exponential" }, n)),
    [50, 100, 200, 2000],
  );
  t.is(
    reconnectDelay({ ...s, reconnectJitterMs: 200 }, 1, () => 0.5),
    150,
  );
  const io = toRedisOptions({ ...s, reconnectBackoff: "linear" });
  t.is(io.retryStrategy!(3), 150, "ioredis gets the same schedule");
  const nr = nodeRedisOptions({ ...s, reconnectBackoff: "exponential" }, OPEN_ACCESS);
  const strategy = (nr.socket as { reconnectStrategy: (retries: number) => number }).reconnectStrategy;
  t.is(strategy(0), 50, "node-redis counts retries from 0");
  t.is(strategy(2), 200);
});

test("settings map onto each library: no timeout is none (node-redis would time out at 5 s), the offline queue inverted, READONLY resends", (t) => {
  const none = nodeRedisOptions({ ...DEFAULT_CLIENT_SETTINGS, commandTimeoutMs: 0, enableOfflineQueue: false, commandsQueueMaxLength: 7 }, OPEN_ACCESS);
  t.deepEqual(none.commandOptions, { timeout: undefined });
  t.true(none.disableOfflineQueue);
  t.is(none.commandsQueueMaxLength, 7);
  t.false("commandTimeout" in toRedisOptions({ ...DEFAULT_CLIENT_SETTINGS, commandTimeoutMs: 0 }));
  const io = toRedisOptions({ ...DEFAULT_CLIENT_SETTINGS, reconnectOnReadonly: true });
  t.is(io.reconnectOnError!(new Error("READONLY You can't write against a read only replica.")), 2, "reconnect, then resend");
  t.false(io.reconnectOnError!(new Error("ERR other")) as boolean);
});

test("node-redis's errors get their classes: a TimeoutError has no message, a client offline or closed is a connection error", (t) => {
  class TimeoutError extends Error {}
  t.is(classifyError(new TimeoutError()), "timeout");
  t.is(classifyError(new Error("The client is offline")), "connection");
  t.is(classifyError(new Error("The client is closed")), "connection");
  t.is(classifyError(new Error("Socket closed unexpectedly")), "connection");
  t.is(classifyError(new Error("The queue is full")), "connection");
});

test("connections per second at the servers: growth of total_connections_received in the window, a restart counted from zero", (t) => {
  const s = (node: string, tMs: number, n: number): ServerSample => ({ node, tMs, infoLatencyMs: 0, values: { total_connections_received: n } });
  const samples = [s("a", 0, 10), s("a", 1000, 12), s("a", 2000, 40), s("a", 3000, 41), s("a", 5000, 100), s("b", 1000, 5), s("b", 2000, 3), s("b", 3000, 9)];
  // Window 1000–3000 ms: a +28 (1→2 s) +1 (2→3 s); b restarted (3 since its start) then +6: 38 over 2 s.
  t.is(connectionsPerSecond(samples, 1000, 3000), 19);
  t.is(connectionsPerSecond(samples, 3000, 3000), null, "an empty window");
  t.is(connectionsPerSecond([], 0, 1000), null, "no samples: not measured, not zero");
});

// The client matrix sets each profile's measurements against the scenario's budgets, which were written for the client
// the scenario describes: standalone-lost-replies expects a duplicate because ioredis with retries resends.
const lostReplies = loadScenario("standalone-lost-replies");

/** A profile's run of standalone-lost-replies, judged by the scenario's own budgets, with this many writes applied twice. */
function lostRepliesRun(profile: string, duplicated: number, o: { status?: RunStatus; inconclusive?: boolean } = {}): IndexEntry {
  const [p] = pickProfiles(profile);
  const report = syntheticReport({
    name: lostReplies.name,
    topology: "standalone",
    durationS: 20,
    fault: { kind: "kill", atS: 6, forS: 3 },
    ...(o.status ? { status: o.status } : {}),
  });
  if (report.dataLoss) report.dataLoss.duplicated = duplicated; // a run that failed read nothing back
  // A latency budget broken within the instrument's own floor, as budgetChecks marks one.
  const withinFloor: Check = {
    id: { metric: "p99", phase: "fault", bound: "max" },
    name: "p99 fault",
    budget: 0.5,
    measured: 0.6,
    unit: "ms",
    pass: false,
    inconclusive: "within the floor",
  };
  report.verdict = verdictOf([...budgetChecks(lostReplies.budgets, report), ...(o.inconclusive ? [withinFloor] : [])]);
  return { scenario: loadScenario("standalone-lost-replies", { clientProfile: p }), report };
}

test("against the scenario's budgets: a profile that does not resend is shown with the duplicate it did not make, beside one that meets them all", (t) => {
  const rows = clientMatrixRows([lostRepliesRun("ioredis-harness", 412), lostRepliesRun("node-redis-default", 0)], "/reports/x");
  t.deepEqual(
    rows.map((r) => r.againstBudgets),
    [
      { met: 2, missed: [], inconclusive: [] },
      { met: 1, missed: ["expected duplicate seen (≥ 1, measured 0)"], inconclusive: [] },
    ],
  );
  t.deepEqual(rows.map(againstBudgetsText), ["meets all 2", "meets 1 of 2 — misses: expected duplicate seen (≥ 1, measured 0)"]);
  const md = renderClientMatrixMarkdown(lostReplies.name, rows, pickProfiles("ioredis-harness,node-redis-default"));
  t.regex(md, /\| profile \| library \| against the scenario's budgets \|/);
  t.regex(md, /\| node-redis-default \| node-redis \| meets 1 of 2 — misses: expected duplicate seen \(≥ 1, measured 0\) \|/);
  t.notRegex(md, /\bFAIL\b/, "no verdict: the budgets were written for another client");
  t.regex(renderClientMatrixHtml(lostReplies.name, rows, []), /<th>against the scenario&#39;s budgets<\/th>/);
  t.regex(renderClientMatrixText(rows), /misses: expected duplicate seen/);
});

test("against the scenario's budgets: an inconclusive check is said as such, a run that did not finish says so first, no report is no report", (t) => {
  const [inconclusive, failed] = clientMatrixRows(
    [lostRepliesRun("ioredis-harness", 9, { inconclusive: true }), lostRepliesRun("ioredis-failfast", 0, { status: "failed" })],
    "/r",
  );
  t.is(againstBudgetsText(inconclusive), "meets 2 of 3 — inconclusive: p99 fault (≤ 0.5 ms, measured 0.6 ms)");
  t.is(againstBudgetsText(failed), "did not finish — misses: lost writes (≤ 0 writes, measured nothing); expected duplicate seen (≥ 1, measured nothing)");
  const [none] = clientMatrixRows([{ scenario: lostReplies, error: "no Docker engine answered" }], "/r");
  t.like(none, { status: null, againstBudgets: null, error: "no Docker engine answered" });
  t.is(againstBudgetsText(none), "no report");
});

test("the client matrix exits 0 when every run completed, a profile that missed a budget included; 3 when a run could not finish", async (t) => {
  const matrix = async (entries: IndexEntry[]) => {
    const byName = new Map(entries.map((e) => [e.scenario.name, e]));
    const runOne = async (s: Scenario, o: RunOptions): Promise<RunResult> => {
      const dir = mkdtempSync(path.join(o.settings.reportsDir, "run-"));
      return { report: byName.get(s.name)!.report!, files: { dir, json: "", markdown: "", html: "", junit: "", hdrLog: "", problems: [] } };
    };
    const runs = entries.map((e) => ({ profile: pickProfiles(e.scenario.clientProfile!)[0], scenario: e.scenario }));
    const settings = { ...loadSettings(), reportsDir: mkdtempSync(path.join(tmpdir(), "client-matrix-")) };
    return runClientMatrix(lostReplies.name, runs, { settings, quiet: true, signal: new AbortController().signal, runOne, admit: async () => {} });
  };
  const missed = await matrix([lostRepliesRun("ioredis-harness", 412), lostRepliesRun("node-redis-default", 0)]);
  t.is(missed.exitCode, EXIT.pass, "node-redis missed a budget written for ioredis: a finding, not a failure");
  t.regex(readFileSync(missed.files.markdown, "utf8"), /misses: expected duplicate seen \(≥ 1, measured 0\)/);
  const json = JSON.parse(readFileSync(missed.files.json, "utf8")) as { rows: ClientMatrixRow[] };
  t.deepEqual(json.rows[1].againstBudgets, { met: 1, missed: ["expected duplicate seen (≥ 1, measured 0)"], inconclusive: [] });
  const unfinished = await matrix([lostRepliesRun("ioredis-harness", 412), lostRepliesRun("node-redis-default", 0, { status: "failed" })]);
  t.is(unfinished.exitCode, EXIT.environment);
});
