import test from "ava";
import { classifyError } from "../../harness/measure/errors.js";
import { parseInfo, infoNumber } from "../../harness/topology/info.js";
import { parseDurationS, parseSize } from "../../harness/infra/units.js";
import { selectedSysValue } from "../../harness/infra/environment.js";
import { serverArgs, serverIdentity } from "../../harness/topology/redis-node.js";
import { PhaseClock } from "../../harness/measure/phases.js";

test("errors are classed by what a reader needs to tell apart", (t) => {
  t.is(classifyError(new Error("READONLY You can't write against a read only replica.")), "READONLY");
  t.is(classifyError(new Error("CLUSTERDOWN The cluster is down")), "CLUSTERDOWN");
  t.is(classifyError(new Error("NOREPLICAS Not enough good replicas to write.")), "NOREPLICAS");
  t.is(classifyError(new Error("LOADING Redis is loading the dataset in memory")), "LOADING");
  t.is(classifyError(new Error("Command timed out")), "timeout");
  t.is(classifyError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" })), "connection");
  t.is(classifyError(new Error("Connection is closed.")), "connection");
  t.is(classifyError(new Error("Too many Cluster redirections. Last error: MOVED 1 x:1")), "MOVED_ASK_EXHAUSTED");
  t.is(classifyError(new Error("ERR something else")), "other");
});

test("INFO text is parsed into fields, comments and blank lines skipped", (t) => {
  const info = parseInfo("# Server\r\nredis_version:7.0.15\r\n\r\n# Persistence\r\nlatest_fork_usec:3155\r\nrdb_last_bgsave_status:ok\r\n");
  t.is(info.get("redis_version"), "7.0.15");
  t.is(infoNumber(info, "latest_fork_usec"), 3155);
  t.is(infoNumber(info, "rdb_last_bgsave_status"), undefined);
});

test("the server is identified as Redis or Valkey with its version and role", (t) => {
  t.deepEqual(serverIdentity("redis_version:7.0.15\r\nredis_mode:standalone\r\nrole:master\r\n"), {
    server: "redis",
    version: "7.0.15",
    mode: "standalone",
    role: "master",
  });
  t.is(serverIdentity("redis_version:7.2.4\r\nvalkey_version:8.1.1\r\nserver_mode:standalone\r\n").server, "valkey");
});

test("sizes and durations read the way people write them", (t) => {
  t.is(parseSize("1gb"), 2 ** 30);
  t.is(parseSize("256MB"), 256 * 2 ** 20);
  t.is(parseSize(4096), 4096);
  t.throws(() => parseSize("1 gallon"));
  t.is(parseDurationS("500ms"), 0.5);
  t.is(parseDurationS("2m"), 120);
  t.is(parseDurationS(30), 30);
});

test("the bracketed word of a /sys setting is the one in force", (t) => {
  t.is(selectedSysValue("always [madvise] never"), "madvise");
  t.is(selectedSysValue("1"), "1");
});

test("scenario config overrides the base server settings; persistence is off unless asked for", (t) => {
  const args = serverArgs({ "maxmemory-policy": "allkeys-lru", save: "60 1" });
  t.deepEqual(args.slice(0, 1), ["redis-server"]);
  const at = (k: string) => args[args.indexOf(`--${k}`) + 1];
  t.is(at("save"), "60 1");
  t.is(at("appendonly"), "no");
  t.is(at("maxmemory-policy"), "allkeys-lru");
  t.is(serverArgs({}).at(serverArgs({}).indexOf("--save") + 1), "");
});

test("overlapping faults: the fault phase lasts until the last one heals", (t) => {
  const c = new PhaseClock();
  c.markFaultStart(1000);
  c.markFaultStart(1500);
  c.markFaultEnd(2000); // the first heals; the second still holds
  t.is(c.phaseAt(2500), "fault");
  c.markFaultEnd(3000);
  t.is(c.phaseAt(3000), "recovery");
  t.is(c.faultStartMs, 1000);
});

test("with several faults in turn the fault phase spans first effect to last heal", (t) => {
  const c = new PhaseClock();
  c.markFaultStart(1000);
  c.markFaultEnd(2000);
  c.markFaultStart(3000); // a second fault reopens the phase
  t.is(c.phaseAt(2500), "fault");
  c.markFaultEnd(4000);
  t.is(c.phaseAt(999), "baseline");
  t.is(c.phaseAt(3999), "fault");
  t.is(c.phaseAt(4000), "recovery");
  t.throws(() => new PhaseClock().markFaultEnd(1));
});
