import test from "ava";
import { BadInputError } from "../../harness/infra/errors.js";
import { WriteLedger } from "../../harness/measure/ledger.js";
import { APP_COMMANDS, APP_KEY_PATTERNS, appUserRules } from "../../harness/security/acl.js";
import { registerKey } from "../../harness/workload/register-ops.js";
import { makeCredentials, sentinelAuthLines, serverAuthLines } from "../../harness/security/credentials.js";
import { AUTH_FILE, cliInvocation, parseSecurityLabel, redact, refuseLeakingDebug, securityLabel } from "../../harness/security/run-security.js";
import { serverArgs } from "../../harness/topology/redis-node.js";
import { datasetKeyName } from "../../harness/workload/dataset.js";

// A secured run's secrets: made per run unless the environment gives them, and kept off every command line.

test("a password is made per run, unguessable and different each time; HARNESS_REDIS_PASSWORD is taken as given", (t) => {
  const a = makeCredentials("password", {})!;
  const b = makeCredentials("password", {})!;
  t.not(a.app.password, b.app.password);
  t.true(a.app.password.length >= 32, "24 random bytes, base64url");
  t.is(makeCredentials("password", { HARNESS_REDIS_PASSWORD: "given" })!.app.password, "given");
  t.is(makeCredentials("none", { HARNESS_REDIS_PASSWORD: "given" }), null, "an unsecured run has none, whatever the environment holds");
  t.is(a.admin.password, a.app.password, "password mode: one password, for clients and replication alike");
});

test("acl mode: a named application user and a separate admin user, each with its own password", (t) => {
  const c = makeCredentials("acl", { HARNESS_REDIS_PASSWORD: "app-pw" })!;
  t.deepEqual(c.app, { username: "app", password: "app-pw" });
  t.is(c.admin.username, "harness-admin");
  t.not(c.admin.password, "app-pw", "the admin's password is made for the run unless given");
  t.is(makeCredentials("acl", { HARNESS_REDIS_ADMIN_PASSWORD: "admin-pw" })!.admin.password, "admin-pw");
});

test("servers and Sentinels get the password from their auth file; the command line only names the file", (t) => {
  const c = makeCredentials("password", { HARNESS_REDIS_PASSWORD: "pw-1" })!;
  t.deepEqual(serverAuthLines(c), ["requirepass pw-1", "masterauth pw-1"]);
  t.deepEqual(sentinelAuthLines(c, "mymaster"), ["requirepass pw-1", "sentinel auth-pass mymaster pw-1", "sentinel sentinel-pass pw-1"]);
  const args = serverArgs({ "replica-announce-port": "22000" }, true);
  t.deepEqual(args.slice(0, 2), ["redis-server", AUTH_FILE]);
  t.false(args.join(" ").includes("pw-1"));
  t.false(serverArgs({}).includes(AUTH_FILE), "an unsecured server reads no auth file");
});

test("acl mode: the default user is off, replicas and Sentinels log in as the admin, the app user gets only its rules", (t) => {
  const c = makeCredentials("acl", { HARNESS_REDIS_PASSWORD: "app-pw", HARNESS_REDIS_ADMIN_PASSWORD: "admin-pw" })!;
  const server = serverAuthLines(c);
  t.is(server[0], "user default off");
  t.true(server.includes("user harness-admin on >admin-pw ~* &* +@all"));
  t.true(server.includes(`user app on >app-pw ${appUserRules()}`));
  t.deepEqual(server.slice(-2), ["masteruser harness-admin", "masterauth admin-pw"]);
  t.regex(
    appUserRules(),
    /^resetkeys resetchannels ~w:\* ~key:\* ~data:\* ~app:\* ~reg:\* ~ctr:\* -@all \+get \+set \+append \+incr /,
    "keys first narrowed, every command removed, then the workload's added",
  );
  t.false(
    APP_COMMANDS.some((cmd) => /config|debug|flushall|sentinel|client\|kill/.test(cmd)),
    "no control command for the application",
  );
  const sentinel = sentinelAuthLines(c, "mymaster");
  t.true(sentinel.includes("sentinel auth-user mymaster harness-admin"));
  t.true(sentinel.includes("sentinel sentinel-user harness-admin"));
  t.true(sentinel.some((l) => l.startsWith("user app on >app-pw ") && l.includes("&+switch-master") && l.includes("+sentinel|get-master-addr-by-name")));
});

test("every key the workloads write is one the application user may touch", (t) => {
  const allowed = (key: string) => APP_KEY_PATTERNS.some((p) => key.startsWith(p.slice(0, -1)));
  const keys = [
    new WriteLedger().key(7),
    new WriteLedger("w:{tag}").key(7),
    datasetKeyName(512)(12345),
    "key:42",
    "key:{tag}:42",
    "app:3",
    registerKey(0),
    registerKey(1),
  ];
  for (const k of keys) t.true(allowed(k), k);
  t.false(allowed("other:1"), "and the patterns are not a wildcard");
});

test("redis-cli in a container logs in as the admin from its environment, never its command line", (t) => {
  const auth = makeCredentials("acl", { HARNESS_REDIS_ADMIN_PASSWORD: "admin-pw" });
  const cli = cliInvocation({ auth, tls: null });
  t.deepEqual(cli.args, ["--user", "harness-admin"]);
  t.deepEqual(cli.env, { REDISCLI_AUTH: "admin-pw" });
  t.deepEqual(cliInvocation({ auth: null, tls: null }), { args: [], env: {} });
});

test("security labels: what the report prints and --security parses, round trip; a malformed one is refused", (t) => {
  for (const label of ["none", "password", "acl", "tls", "password+tls", "acl+tls"]) t.is(securityLabel(parseSecurityLabel(label)!), label);
  t.deepEqual(parseSecurityLabel("tls+acl"), { auth: "acl", tls: true }, "in either order");
  for (const bad of ["", "acl+password", "tls+tls", "none+tls", "ssl", "acl+tls+x"]) t.is(parseSecurityLabel(bad), null, bad);
});

test("redact blanks every secret in what a server printed", (t) => {
  t.is(redact("AUTH pw-1 failed; key -----K-----", ["pw-1", "-----K-----", ""]), "AUTH [secret] failed; key [secret]");
});

test("a secured run refuses ioredis's debug output, which would print every AUTH", (t) => {
  const acl = { auth: "acl", tls: true } as const;
  for (const DEBUG of ["ioredis:*", "*", "express:*,ioredis:redis"]) {
    const err = t.throws(() => refuseLeakingDebug(acl, { DEBUG }), { instanceOf: BadInputError });
    t.regex(err!.message, /prints the password of every AUTH/);
  }
  t.notThrows(() => refuseLeakingDebug(acl, { DEBUG: "testcontainers*" }));
  t.notThrows(() => refuseLeakingDebug({ auth: "none", tls: true }, { DEBUG: "ioredis:*" }), "no password to leak");
});
