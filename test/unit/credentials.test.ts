import test from "ava";
import { makeCredentials, sentinelAuthLines, serverAuthLines } from "../../harness/security/credentials.js";
import { serverArgs } from "../../harness/topology/redis-node.js";

// A secured run's secrets: made per run unless HARNESS_REDIS_PASSWORD gives one, and kept off every command line.

test("a password is made per run, unguessable and different each time; HARNESS_REDIS_PASSWORD is taken as given", (t) => {
  const a = makeCredentials("password", {})!;
  const b = makeCredentials("password", {})!;
  t.not(a.app.password, b.app.password);
  t.true(a.app.password.length >= 32, "24 random bytes, base64url");
  t.is(makeCredentials("password", { HARNESS_REDIS_PASSWORD: "given" })!.app.password, "given");
  t.is(makeCredentials("none", { HARNESS_REDIS_PASSWORD: "given" }), null, "an unsecured run has none, whatever the environment holds");
  t.is(a.admin.password, a.app.password, "password mode: one password, for clients and replication alike");
});

test("servers and Sentinels get the password from their auth file; the command line only names the file", (t) => {
  const c = makeCredentials("password", { HARNESS_REDIS_PASSWORD: "pw-1" })!;
  t.deepEqual(serverAuthLines(c), ["requirepass pw-1", "masterauth pw-1"]);
  t.deepEqual(sentinelAuthLines(c, "mymaster"), ["requirepass pw-1", "sentinel auth-pass mymaster pw-1", "sentinel sentinel-pass pw-1"]);
  const args = serverArgs({ "replica-announce-port": "22000" }, true);
  t.deepEqual(args.slice(0, 2), ["redis-server", "/etc/redis-chaos/auth.conf"]);
  t.false(args.join(" ").includes("pw-1"));
  t.false(serverArgs({}).includes("/etc/redis-chaos/auth.conf"), "an unsecured server reads no auth file");
});
