import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import "../../harness/infra/preload.js";
import { EnvironmentError } from "../../harness/infra/errors.js";
import { loadSettings } from "../../harness/infra/settings.js";
import { AuthCheck } from "../../harness/measure/auth-check.js";
import type { ProbeContext } from "../../harness/measure/probe.js";
import type { RunReport } from "../../harness/report/types.js";
import { makeCredentials } from "../../harness/security/credentials.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";
import { DEFAULT_LIMITS } from "../../harness/topology/definition.js";
import { StandaloneTopology } from "../../harness/topology/standalone.js";
import { LeanConnection } from "../../harness/workload/engines/lean-connection.js";
import { cli, scenarioFile } from "../helpers/cli.js";

// Secured topologies (security.auth "password", or --secure): every server and Sentinel requires the run's password,
// the load, the harness's own control traffic, replication, Sentinel's failover and the cluster's creation all
// authenticate, and the password is in no output of the run. A known password (HARNESS_REDIS_PASSWORD) so that the
// test can look for it; distinctive, so that finding it anywhere cannot be chance.
const SECRET = "s3cr3t-Xq7vLm2pRw9tKz4a";

/** Every file under a folder, read whole (reports, charts, JUnit, HDR logs, exports). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const CASES: Array<[string, object]> = [
  [
    "standalone, lean engine on two driver threads",
    { topology: { kind: "standalone" }, workload: { engine: "lean", keys: "random", threads: 2, rate: 2000, duration: "5s", warmup: "1s" }, budgets: { maxErrorRate: { baseline: 0 } } },
  ],
  // Secured by the scenario file's own field, not --secure.
  [
    "replication, every write read back",
    { topology: { kind: "replication", replicas: 1 }, security: { auth: "password" }, workload: { rate: 500, duration: "6s", warmup: "1s" }, budgets: { maxLostWrites: 0 } },
  ],
  [
    "sentinel: the master killed, the Sentinels fail over with auth-pass, the app tier in front",
    {
      topology: { kind: "sentinel", downAfterMs: 2000, failoverTimeoutMs: 10000 },
      workload: { rate: 500, duration: "18s", warmup: "1s", readRatio: 0.2 },
      app: { rate: 50, readRatio: 0.5 },
      faults: [{ kind: "kill", target: "primary", at: "3s", for: "6s" }],
      budgets: { rtoMs: 15000, maxLostWrites: 100 },
    },
  ],
  [
    "cluster, created by redis-cli with the password from its environment",
    { topology: { kind: "cluster", masters: 3, replicasPerMaster: 1 }, workload: { rate: 500, duration: "5s", warmup: "1s" }, budgets: { maxErrorRate: { baseline: 0 }, maxLostWrites: 0 } },
  ],
];

for (const [title, body] of CASES) {
  test.serial(`secured ${title}: passes, every server refuses a client without the password, and the password is in no output`, async (t) => {
    const file = scenarioFile({ name: "secured", ...body });
    const r = await cli(["run", "--file", file, ...("security" in body ? [] : ["--secure"]), "--export"], { env: { HARNESS_REDIS_PASSWORD: SECRET } });
    t.is(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
    const dir = /report: (\S+)\/report\.json/.exec(r.stdout)![1];
    const report = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as RunReport;
    t.is(report.scenario.security.auth, "password");
    const refused = report.security!.refusedWithoutLogin;
    const expected = [...report.topology!.nodes.map((n) => n.name), ...report.topology!.sentinels.map((s) => s.name)];
    t.deepEqual(Object.keys(refused).sort(), expected.sort(), "every server and Sentinel was asked without a login");
    t.true(Object.values(refused).every((e) => /NOAUTH/.test(e)), JSON.stringify(refused));
    const files = filesUnder(dir);
    const outputs = ["report.json", "summary.md", "report.html", "junit.xml", "latency.hlog", ...(report.scenario.workload.keys === "ledger" ? ["history.csv", "readback.csv"] : [])];
    for (const o of outputs) t.true(files.some((f) => f.endsWith(o)), `${o} is among the outputs searched`);
    for (const f of files) t.false(readFileSync(f, "latin1").includes(SECRET), `the password is in ${f}`);
    t.false(r.stdout.includes(SECRET), "nor on stdout");
    t.false(r.stderr.includes(SECRET), "nor in the progress lines and logs on stderr");
  });
}

test.serial("the auth check stops a run whose server answers without a password; the lean engine is refused a wrong one by name", async (t) => {
  const s = loadSettings();
  const start = (secured: boolean) =>
    StandaloneTopology.start({ image: s.redisImage, toxiproxyImage: s.toxiproxyImage, limits: DEFAULT_LIMITS, config: {}, client: DEFAULT_CLIENT_SETTINGS, auth: secured ? makeCredentials("password", { HARNESS_REDIS_PASSWORD: SECRET }) : null });
  const check = (topology: StandaloneTopology) => new AuthCheck({ topology } as unknown as ProbeContext, "password").start();
  const open = await start(false);
  try {
    const err = await t.throwsAsync(check(open), { instanceOf: EnvironmentError });
    t.regex(err!.message, /redis-0 answered a client that sent no password \(PING → PONG\)/);
  } finally {
    await open.stop();
  }
  const secured = await start(true);
  try {
    await t.notThrowsAsync(check(secured), "the secured server refuses PING without AUTH");
    const at = { host: "127.0.0.1", port: secured.clientLinks.get("redis-0")!.hostPort, commandTimeoutMs: 1000, connectTimeoutMs: 1000 };
    const wrong = await t.throwsAsync(LeanConnection.open({ ...at, password: "not-the-password" }));
    t.regex(wrong!.message, /refused the login: WRONGPASS/);
    const right = await LeanConnection.open({ ...at, password: SECRET });
    t.is(await new Promise((resolve) => right.ping((_e, r) => resolve(r))), "PONG");
    right.close();
  } finally {
    await secured.stop();
  }
});
