import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { EnvironmentError } from "../../harness/infra/errors.js";
import { loadSettings } from "../../harness/infra/settings.js";
import type { ProbeContext } from "../../harness/measure/probe.js";
import { SecurityCheck } from "../../harness/measure/security-check.js";
import type { RunReport } from "../../harness/report/types.js";
import { accessOptions, type SecuritySpec } from "../../harness/security/run-security.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";
import { DEFAULT_LIMITS } from "../../harness/topology/definition.js";
import { StandaloneTopology } from "../../harness/topology/standalone.js";
import { LeanConnection } from "../../harness/workload/engines/lean-connection.js";
import { cli, scenarioFile } from "../helpers/cli.js";

// Secured topologies (--secure is ACL users and TLS on every link; a scenario's "security" field, or --security, picks
// another): every server and Sentinel refuses a client that lacks what the run requires, the load, the harness's own
// control traffic, replication, Sentinel's failover and the cluster's creation all get through, and no secret is in
// any output of the run. Known passwords (the environment gives them) so that the test can look for them;
// distinctive, so that finding one anywhere cannot be chance. The private keys are made per run: their PEM header
// is what is looked for.
const SECRET = "s3cr3t-Xq7vLm2pRw9tKz4a";
const ADMIN_SECRET = "adm1n-Hc5wQe8uJd3nYb6r";
const ENV = { HARNESS_REDIS_PASSWORD: SECRET, HARNESS_REDIS_ADMIN_PASSWORD: ADMIN_SECRET };

/** Every file under a folder, read whole (reports, charts, JUnit, HDR logs, exports). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const CASES: Array<{ title: string; flags: string[]; expect: SecuritySpec; body: object }> = [
  {
    title: "standalone, acl+tls, lean engine on two driver threads",
    flags: ["--secure"],
    expect: { auth: "acl", tls: true },
    body: {
      topology: { kind: "standalone" },
      workload: { engine: "lean", keys: "random", threads: 2, rate: 2000, duration: "5s", warmup: "1s" },
      budgets: { maxErrorRate: { baseline: 0 } },
    },
  },
  {
    // Secured by the scenario file's own field, not a flag.
    title: "replication, password, every write read back",
    flags: [],
    expect: { auth: "password", tls: false },
    body: {
      topology: { kind: "replication", replicas: 1 },
      security: { auth: "password" },
      workload: { rate: 500, duration: "6s", warmup: "1s" },
      budgets: { maxLostWrites: 0 },
    },
  },
  {
    // The Sentinels fail over with auth-user/auth-pass over TLS. ioredis's failover detector is off: over TLS it can
    // end the client for good (see the README, "Secured topologies"); the clients find the new master by asking.
    title: "sentinel, acl+tls: the master killed, the Sentinels fail over, the app tier in front",
    flags: ["--security", "acl+tls"],
    expect: { auth: "acl", tls: true },
    body: {
      topology: { kind: "sentinel", downAfterMs: 2000, failoverTimeoutMs: 10000 },
      client: { failoverDetector: false },
      workload: { rate: 500, duration: "18s", warmup: "1s", readRatio: 0.2 },
      app: { rate: 50, readRatio: 0.5 },
      faults: [{ kind: "kill", target: "primary", at: "3s", for: "6s" }],
      budgets: { rtoMs: 15000, maxLostWrites: 100 },
    },
  },
  {
    title: "cluster, acl+tls, created by redis-cli as the admin user over TLS",
    flags: ["--secure"],
    expect: { auth: "acl", tls: true },
    body: {
      topology: { kind: "cluster", masters: 3, replicasPerMaster: 1 },
      workload: { rate: 500, duration: "5s", warmup: "1s" },
      budgets: { maxErrorRate: { baseline: 0 }, maxLostWrites: 0 },
    },
  },
];

for (const { title, flags, expect, body } of CASES) {
  test.serial(`secured ${title}: passes, every server refuses what the run does not allow, and no secret is in any output`, async (t) => {
    const r = await cli(["run", "--file", scenarioFile({ name: "secured", ...body }), ...flags, "--export"], { env: ENV });
    t.is(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
    const dir = /report: (\S+)\/report\.json/.exec(r.stdout)![1];
    const report = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as RunReport;
    t.deepEqual(report.scenario.security, expect);
    t.deepEqual(
      report.timeline.filter((e) => e.kind === "client-gave-up"),
      [],
      "no client ended on its own",
    );

    const refused = report.security!.refused;
    const expected = [...report.topology!.nodes.map((n) => n.name), ...report.topology!.sentinels.map((s) => s.name)];
    t.deepEqual(Object.keys(refused).sort(), expected.sort(), "every server and Sentinel was tried");
    for (const [node, seen] of Object.entries(refused)) {
      t.regex(seen.noLogin ?? "", /NOAUTH/, `${node}: a client without a login`);
      if (expect.tls) {
        t.regex(seen.plaintext ?? "", /^(closed|no answer)/, `${node}: a plain-text client`);
        t.regex(seen.noClientCertificate ?? "", /^(refused|closed)/, `${node}: a TLS client without a certificate`);
      } else t.deepEqual([seen.plaintext, seen.noClientCertificate], [undefined, undefined], "no TLS, nothing to try");
      if (expect.auth === "acl") t.regex(seen.appUserForbidden ?? "", /NOPERM/, `${node}: the application user's forbidden command`);
    }

    const files = filesUnder(dir);
    const outputs = [
      "report.json",
      "summary.md",
      "report.html",
      "junit.xml",
      "latency.hlog",
      ...(report.scenario.workload.keys === "ledger" ? ["history.csv", "readback.csv"] : []),
    ];
    for (const o of outputs)
      t.true(
        files.some((f) => f.endsWith(o)),
        `${o} is among the outputs searched`,
      );
    for (const secret of [SECRET, ADMIN_SECRET, "PRIVATE KEY"]) {
      for (const f of files) t.false(readFileSync(f, "latin1").includes(secret), `${secret} is in ${f}`);
      t.false(r.stdout.includes(secret), `${secret} is on stdout`);
      t.false(r.stderr.includes(secret), `${secret} is in the progress lines or logs on stderr`);
    }
  });
}

test.serial("the security check stops a run whose server is open; TLS and the ACL hold against the lean engine", async (t) => {
  const s = loadSettings();
  const start = (security: SecuritySpec) =>
    StandaloneTopology.start({
      image: s.redisImage,
      toxiproxyImage: s.toxiproxyImage,
      limits: DEFAULT_LIMITS,
      config: {},
      client: DEFAULT_CLIENT_SETTINGS,
      security,
    });
  const check = (topology: StandaloneTopology, spec: SecuritySpec) => new SecurityCheck({ topology } as unknown as ProbeContext, spec).start();

  const open = await start({ auth: "none", tls: false });
  try {
    const plain = await t.throwsAsync(check(open, { auth: "acl", tls: true }), { instanceOf: EnvironmentError });
    t.regex(plain!.message, /redis-0 answered a plain-text client \(PING → PONG\)/);
    const noLogin = await t.throwsAsync(check(open, { auth: "password", tls: false }), { instanceOf: EnvironmentError });
    t.regex(noLogin!.message, /redis-0 answered a client that sent no password \(PING → "PONG"\)/);
  } finally {
    await open.stop();
  }

  const secured = await start({ auth: "acl", tls: true });
  try {
    await t.notThrowsAsync(check(secured, { auth: "acl", tls: true }), "plain text, no certificate, no login and a forbidden command are each refused");
    const at = { host: "127.0.0.1", port: secured.clientLinks.get("redis-0")!.hostPort, commandTimeoutMs: 1000, connectTimeoutMs: 2000 };
    const app = accessOptions(secured.access);
    t.is(app.username, "app");
    await t.throwsAsync(LeanConnection.open({ ...at, username: app.username, password: app.password }), undefined, "no TLS: never open");
    const wrong = await t.throwsAsync(LeanConnection.open({ ...at, ...app, password: "not-the-password" }));
    t.regex(wrong!.message, /refused the login: WRONGPASS/);
    const right = await LeanConnection.open({ ...at, ...app });
    t.is(await new Promise((resolve) => right.ping((_e, r) => resolve(r))), "PONG");
    right.close();
  } finally {
    await secured.stop();
  }
});
