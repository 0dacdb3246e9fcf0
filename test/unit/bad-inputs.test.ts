import test from "ava";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, reports, scratch } from "../helpers/in-process-cli.js";

// What a new user types wrong, kept as a list: each line is a command line (and the files it names), the exit code it
// must give (2 bad input; 3 where the engine is what is missing) and words its message must hold: the flag or field
// at fault and the fix. None may crash (exit 4, a stack trace), and none may leave a report folder behind.

/** One of this machine's own addresses, as --reach-here-at takes it (never loopback). */
const hostAddress = () =>
  Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a?.family === "IPv4" && !a.internal)?.address ?? "no-address";

/** A folder with the three files --engine-certs names (empty: they are never used before the refusal). */
function certsFolder(): string {
  const dir = path.join(scratch, "engine-certs");
  mkdirSync(dir, { recursive: true });
  for (const f of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(path.join(dir, f), "");
  return dir;
}

/** A file in the scratch folder, with this text: the path. */
const file = (name: string, text: string): string => {
  const p = path.join(scratch, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");
const minimal = { name: "mine", topology: { kind: "standalone" }, workload: { duration: "5s" } };
const yaml = (body: string) => file(`s-${Math.random().toString(36).slice(2)}.yaml`, body);
const json = (body: unknown) => file(`s-${Math.random().toString(36).slice(2)}.json`, typeof body === "string" ? body : JSON.stringify(body));

/** A run folder holding the fixture report of this scenario (test/fixtures, made by `npm run fixtures`). */
function runOf(scenario: "sentinel-master-kill" | "cluster-master-kill"): string {
  const dir = path.join(scratch, "runs", `${scenario}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(FIXTURES, `report-${scenario}.json`), path.join(dir, "report.json"));
  return dir;
}

/**
 * A target file (docs/targets.md) of a Sentinel deployment on 127.0.0.1 with these fields changed; `start: true` gives
 * every node a start command. Loopback only: nothing answers at these ports, and the cases stop before connecting.
 */
function target(change: Record<string, unknown> & { start?: boolean }): string {
  const { start, ...fields } = change;
  const node = (name: string, port: number) => ({ name, address: `127.0.0.1:${port}`, ...(start ? { start: "true" } : {}) });
  const t: Record<string, unknown> = {
    kind: "sentinel",
    name: "t",
    allow: { hosts: ["127.0.0.1"] },
    nodes: [node("redis-0", 1), node("redis-1", 2)],
    sentinels: { nodes: [node("sentinel-0", 3)] },
    ...fields,
  };
  for (const [k, v] of Object.entries(t)) if (v === undefined) delete t[k];
  return file(`target-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(t));
}

interface Case {
  argv: string[];
  /** Exit codes it may give: 2, or [2, 3] where an engine that is not there says so first. */
  code: number | number[];
  /** Words the message must hold (each a regex over what it printed). */
  says: RegExp[];
  env?: Record<string, string>;
}

const c = (argv: string[], code: number | number[], ...says: RegExp[]): Case => ({ argv, code, says });
const sentinel = "sentinel-master-kill";

const CASES: Case[] = [
  // run: what names the scenario
  c(["run"], 2, /scenario name or --file/, /list/),
  c(["run", "smoke-standalone", "--file", json(minimal)], 2, /either a scenario name or --file/),
  c(["run", "sentinel-mastr-kill"], 2, /No scenario named "sentinel-mastr-kill"/, /Did you mean "sentinel-master-kill"/),
  c(["run", "SMOKE-STANDALONE"], 2, /Did you mean "smoke-standalone"/),
  c(["run", "standalone-bgsav"], 2, /Did you mean "standalone-bgsave"/),
  c(["run", "no-such-thing-at-all"], 2, /No scenario named/, /npm run harness -- list/),
  c(["run", "smoke-standalone", "extra"], 2, /too many arguments|unknown/i),
  c(["runn", "smoke-standalone"], 2, /unknown command 'runn'/, /Did you mean run/i),
  c(["run", "smoke-standalone", "--rat", "5"], 2, /unknown option '--rat'/, /Did you mean .*--rate/i),
  // run --file: what the file holds
  c(["run", "--file", file("empty.yaml", "")], 2, /empty\.yaml is empty/, /name, topology, workload/),
  c(["run", "--file", file("blank.yaml", "\n# nothing but a comment\n")], 2, /is empty/),
  c(["run", "--file", file("list-of-number.yaml", "- 42\n")], 2, /holds number 42 where a scenario belongs/, /mapping of fields/),
  c(["run", "--file", file("number.yaml", "42\n")], 2, /holds number 42/),
  c(["run", "--file", file("text.json", '"hello"')], 2, /holds string "hello"/),
  c(["run", "--file", file("null.json", "null")], 2, /is empty/),
  c(["run", "--file", file("empty-list.yaml", "[]\n")], 2, /holds 0 scenarios/, /one scenario/),
  c(["run", "--file", file("two.json", JSON.stringify([minimal, { ...minimal, name: "other" }]))], 2, /holds 2 scenarios/, /suite/),
  c(["run", "--file", file("nested-list.yaml", "- - name: x\n")], 2, /holds a list where a scenario belongs/),
  c(["run", "--file", path.join(scratch, "missing.yaml")], 2, /--file .*missing\.yaml: cannot read it: there is no such file/),
  c(["run", "--file", (mkdirSync(path.join(scratch, "folder.yaml"), { recursive: true }), path.join(scratch, "folder.yaml"))], 2, /it is a folder/),
  c(["run", "--file", file("broken.json", '{ "name": ')], 2, /broken\.json is not valid JSON/, /syntax/),
  c(["run", "--file", file("broken.yaml", "name: [unclosed\n")], 2, /broken\.yaml is not valid YAML/),
  c(["run", "--file", file("commented.json", '{ // my scenario\n "name": "x" }')], 2, /not valid JSON/),
  c(["run", "--file", file("scenario.txt", JSON.stringify(minimal))], 2, /ends in \.json, \.yaml or \.yml/),
  // run --file: fields, in the file's words, with the name it most likely meant
  c(["run", "--file", yaml("name: x\ntopology: {kind: sentinal}\nworkload: {duration: 10s}\n")], 2, /topology\.kind/, /Did you mean "sentinel"/),
  c(["run", "--file", yaml("name: x\ntopology: {kind: standalone}\nworkload: {duration: 10s, rat: 5}\n")], 2, /unknown field "rat"/, /Did you mean "rate"/),
  c(["run", "--file", yaml("name: x\ntopology: {kind: standalone}\nworkload: {duration: 10s, keys: ledgr}\n")], 2, /workload\.keys/, /Did you mean "ledger"/),
  c(
    ["run", "--file", yaml("name: x\ntopology: {kind: sentinel}\nworkload: {duration: 20s}\nfaults: [{kind: kil, at: 5s, for: 2s}]\n")],
    2,
    /faults\[0\]\.kind/,
    /Did you mean "kill"/,
  ),
  c(
    ["run", "--file", yaml("name: x\ntopology: {kind: standalone}\nworkload: {duration: 10s, connections: 2.5}\n")],
    2,
    /workload\.connections: must be a whole number, not 2\.5/,
  ),
  c(
    ["run", "--file", yaml("name: x\ntopology: {kind: standalone}\nworkload: {duration: 10s, rate: -5}\n")],
    2,
    /workload\.rate: must be more than 0, not -5/,
    /\.yaml/,
  ),
  c(["run", "--file", yaml("name: x\ntopology: {kind: standalone}\n")], 2, /workload\.duration: is required/),
  c(["run", "--file", yaml("name: My Scenario\ntopology: {kind: standalone}\nworkload: {duration: 10s}\n")], 2, /name/, /lower-case/),
  c(["run", "--file", yaml("name: x\ntopology: {kind: cluster}\nworkload: {duration: 10s}\ndataset: {size: 1gb}\n")], 2, /dataset\.size/, /cluster/),
  c(
    ["run", "--file", yaml("name: x\ntopology: {kind: standalone}\nworkload: {duration: 10s}\nfaults: [{kind: kill, at: 20s, for: 2s}]\n")],
    2,
    /faults\[0\]\.at/,
    /not inside the 10s load/,
  ),
  c(["run", "--file", yaml("name: x\ntopology: {kind: standalone}\nworkload: {duration: 10s}\nbudgets: {p99Ms: 5}\n")], 2, /budgets/),
  // run: flags, in the flag's words, and not as if the suite's file were broken
  c(["run", sentinel, "--rate", "-5"], 2, /--rate -5: workload\.rate must be more than 0/, /Give --rate 2000/),
  c(["run", sentinel, "--rate", "0"], 2, /--rate 0/),
  c(["run", sentinel, "--rate", "abc"], 2, /--rate abc is not a number/),
  c(["run", sentinel, "--rate", ""], 2, /--rate {1,2}is not a number/),
  c(["run", sentinel, "--rate", "1e99"], 2, /--rate 1e99.*at most/),
  c(["run", sentinel, "--connections", "2.5"], 2, /--connections 2\.5: .*whole number/, /from 1 to 1000/),
  c(["run", sentinel, "--connections", "0"], 2, /--connections 0/),
  c(["run", sentinel, "--connections", "100000"], 2, /--connections 100000: .*at most 1000/),
  c(["run", sentinel, "--read-ratio", "2"], 2, /--read-ratio 2: .*at most 1/),
  c(["run", sentinel, "--read-ratio", "half"], 2, /--read-ratio half is not a number/),
  c(["run", sentinel, "--duration", "0"], 2, /--duration 0/, /Give --duration 30s/),
  c(["run", sentinel, "--duration", "-3s"], 2, /--duration -3s/),
  c(["run", sentinel, "--duration", "forever"], 2, /--duration forever/),
  c(["run", sentinel, "--duration", "5s"], 2, /--duration 5s: fault at/),
  c(["run", sentinel, "--dataset", "lots"], 2, /--dataset lots/),
  c(["run", sentinel, "--dataset", "-1gb"], 2, /--dataset -1gb/),
  c(["run", sentinel, "--dataset", "100tb"], 2, /does not fit on this host/, /smaller --dataset/),
  c(["run", "cluster-master-kill", "--dataset", "1gb"], 2, /--dataset 1gb: .*cluster/),
  c(["run", sentinel, "--at", "never"], 2, /--at never/),
  c(["run", sentinel, "--at", "1000h"], 2, /--at 1000h: .*not inside/),
  c(["run", sentinel, "--at", "1s"], 2, /--at 1s: .*warmup/),
  c(["run", "smoke-standalone", "--at", "5s"], 2, /--at 5s .* has none/, /Leave --at out/),
  c(["run", sentinel, "--driver-threads", "4"], 2, /--driver-threads 4/, /Leave --driver-threads out/),
  c(["run", sentinel, "--driver-threads", "0"], 2, /--driver-threads 0/),
  c(["run", sentinel, "--driver-threads", "many"], 2, /--driver-threads many is not a number/),
  c(["run", sentinel, "--security", "ssl"], 2, /--security ssl is not a way/, /acl\+tls/),
  c(["run", sentinel, "--secure", "--security", "tls"], 2, /--secure and --security/),
  c(["run", sentinel, "--inconclusive", "maybe"], 2, /--inconclusive maybe is neither pass nor fail/),
  c(["run", sentinel, "--image", "Not An Image!"], [2, 3], /Not An Image!|Docker engine/),
  c(
    ["run", "smoke-standalone", "--image", "redis:7.2", "--quiet"],
    [2, 3],
    /redis:7\.2 is not on this machine's Docker engine|No Docker engine answers/,
    /docker pull redis:7\.2|setup\.sh/,
  ),
  c(["run", sentinel, "--export", "--clients", "ioredis-default"], 2, /--export/),
  c(["run", "--file", json({ ...minimal, workload: { duration: "5s", ledgerKeys: 100_000 } }), "--export"], 2, /--export/, /ledgerKeys/),
  c(["run", "--file", json({ ...minimal, workload: { duration: "5s", ledgerKeys: 5000 } })], 2, /workload\.ledgerKeys/, /at least 60000/),
  c(["run", "--file", json({ ...minimal, workload: { duration: "5s", keys: "random", ledgerKeys: 1000 } })], 2, /workload\.ledgerKeys/, /set keys to "ledger"/),
  c(["run", "--file", json({ ...minimal, workload: { duration: "5s", ledgerKeys: 10 } })], 2, /workload\.ledgerKeys/),
  c(["run", sentinel, "--clients", "no-such-profile"], 2, /no-such-profile/),
  c(["run", sentinel, "--profiles", json({})], 2, /--profiles goes with --clients/),
  c(["run", sentinel, "--repeats", "2"], 2, /--repeats goes with --clients/),
  c(["run", sentinel, "--clients", "ioredis-default", "--repeats", "0"], 2, /--repeats 0/),
  c(["run", sentinel, "--clients", "ioredis-default", "--profiles", path.join(scratch, "no-profiles.json")], 2, /no-profiles\.json/),
  // suite and tour: refused whole, before the first run
  c(["suite", "standalon"], 2, /No suite named "standalon"/, /Did you mean "standalone"/),
  c(["suite", "no-such-suite"], 2, /No suite named/, /Suites: /),
  c(["suite"], 2, /missing required argument/),
  c(["suite", "standalone", "--dataset", "100tb"], 2, /does not fit on this host/, /smaller --dataset/),
  c(["suite", "standalone", "--repeats", "0"], 2, /--repeats 0/),
  c(["suite", "standalone", "--repeats", "2.5"], 2, /--repeats 2\.5/),
  c(["suite", "standalone", "--rate", "-5"], 2, /--rate -5/),
  c(["suite", "smoke", "--image", "redis:7.2", "--quiet"], [2, 3], /redis:7\.2 is not on this machine's Docker engine|No Docker engine answers/),
  c(["tour", "--rate", "0"], 2, /--rate 0/),
  c(["tour", "--duration", "1s"], 2, /--duration 1s/),
  c(["tour", "extra"], 2, /too many arguments/),
  // matrix
  c(
    ["upgrade", "--topology", "standalone", "--from", "redis-chaos/redis:7.0", "--to", "redis-chaos/redis:8.0"],
    2,
    /--topology standalone: there is no rolling upgrade of it.*its upgrade is a restart/s,
  ),
  c(
    ["upgrade", "--topology", "sentinel", "--from", "redis-chaos/redis:7.0", "--to", "redis-chaos/redis:7.0"],
    2,
    /--from and --to are both redis-chaos\/redis:7\.0/,
  ),
  c(["upgrade", "--topology", "sentinel", "--from", "Redis 7!", "--to", "redis-chaos/redis:8.0"], 2, /--from Redis 7! is not an image name/),
  c(["upgrade", "--topology", "sentinel", "--to", "redis-chaos/redis:8.0"], 2, /--from/),
  c(["upgrade", "--topology", "cluster", "--from", "redis-chaos/redis:7.0", "--to", "redis-chaos/redis:8.0", "--repeats", "0"], 2, /--repeats 0/),
  c(["upgrade", "--topology", "sentinel", "--from", "redis-chaos/redis:7.0", "--to", "someone/redis:9.9"], 2, /someone\/redis:9\.9/),
  c(["matrix", "standalone"], 2, /--images|--security-levels/),
  c(["matrix", "standalone", "--images", "redis-chaos/redis:7.0"], 2, /two|at least|--images/),
  c(["matrix", "standalone", "--images", "a,b", "--security-levels", "none,tls"], 2, /--images|--security-levels/),
  c(["matrix", "standalone", "--images", "a,b", "--threshold", "-1"], 2, /--threshold -1 is not a fraction/),
  c(["matrix", "standalone", "--images", "a,b", "--threshold", "abc"], 2, /--threshold abc is not a fraction/),
  c(["matrix", "no-such-suite", "--images", "a,b"], 2, /No suite named/),
  c(["matrix", "standalone", "--security-levels", "none,ssl"], 2, /ssl/),
  c(["matrix", "standalone", "--images", "a,b", "--repeats", "0"], 2, /--repeats 0/),
  c(["matrix", "standalone", "--images", "redis-chaos/redis:7.0,redis-chaos/redis:8.0", "--dataset", "100tb"], 2, /does not fit on this host/),
  // compare
  c(["compare"], 2, /--base/),
  c(["compare", "--base", runOf(sentinel)], 2, /--candidate/),
  c(["compare", "--base", path.join(scratch, "nowhere"), "--candidate", path.join(scratch, "nowhere2")], 2, /does not exist/),
  c(["compare", "--base", file("not-a-report.json", "{}"), "--candidate", file("not-a-report-2.json", "{}")], 2, /not-a-report\.json/),
  c(["compare", "--base", file("corrupt/report.json", "{ nope"), "--candidate", runOf(sentinel)], 2, /not a readable JSON report/),
  c(
    ["compare", "--base", (mkdirSync(path.join(scratch, "no-runs"), { recursive: true }), path.join(scratch, "no-runs")), "--candidate", runOf(sentinel)],
    2,
    /holds no report\.json/,
  ),
  c(
    ["compare", "--base", runOf(sentinel), "--candidate", runOf("cluster-master-kill")],
    2,
    /no scenario in common/,
    /sentinel-master-kill/,
    /cluster-master-kill/,
  ),
  c(["compare", "--base", runOf(sentinel), "--candidate", runOf(sentinel), "--threshold", "5"], 2, /--threshold 5 is not a fraction/, /0\.05 for 5%/),
  // history
  c(["history", "check"], 2, /there is no results store at .*history\.sqlite/, /history import reports\//),
  c(["history", "check", "--store", path.join(scratch, "nowhere.sqlite")], 2, /there is no results store/),
  c(["history", "check", "--window", "0"], 2, /--window 0/),
  c(["history", "check", "--threshold", "5"], 2, /--threshold 5 is not a fraction/),
  c(["history", "check", "--since", "last week"], 2, /--since last week is neither a date nor a number of days/, /--since 30d/),
  c(["history", "import", path.join(scratch, "nowhere")], 2, /does not exist/),
  c(["history", "import", runOf(sentinel), "--store", "postgres://ci:hunter2@db:5432/h"], 2, /carries a password/, /PGPASSWORD/),
  c(["history", "import", runOf(sentinel), "--store", "mysql://db/h"], 2, /not known/),
  c(
    ["history", "import", runOf(sentinel), "--store", path.join(file("a-file", "not a folder"), "under-a-file.sqlite")],
    2,
    /cannot open the results store/,
    /a folder you can write/,
  ),
  // study
  c(["study", "fork", "--sizes", "lots"], 2, /--sizes/),
  c(["study", "fork", "--sizes", ""], 2, /--sizes is empty/),
  c(["study", "fork", "--rates", "-1"], 2, /--rates/),
  c(["study", "fork", "--repeats", "0"], 2, /--repeats 0/),
  c(["study", "fork", "--persistence", "zip"], 2, /--persistence/),
  c(["study", "fork", "--target", "lots"], 2, /--target/),
  c(["study", "fork", "--sizes", "100tb"], 2, /--sizes: not one of them fits on this host/, /Give --sizes this host can hold: up to/),
  c(["study", "throughput", "--topology", "mesh"], 2, /--topology/, /standalone/),
  c(["study", "throughput", "--slo-p99", "0"], 2, /--slo-p99/),
  c(["study", "throughput", "--start-rate", "0"], 2, /--start-rate/),
  c(["study", "throughput", "--start-rate", "1000", "--max-rate", "10"], 2, /--max-rate/),
  c(["study", "throughput", "--step-seconds", "0"], 2, /--step-seconds/),
  c(["study", "throughput", "--read-ratio", "3"], 2, /--read-ratio/),
  c(["study", "nosuch"], 2, /unknown command|nosuch/),
  // recommend: units where a bare number is ambiguous, and objectives that mean nothing
  c(["recommend", "--dataset", "40gb", "--rpo", "0", "--ops", "50000", "--rto", "10"], 2, /--rto needs a unit/, /--rto 10s/),
  c(["recommend", "--dataset", "40gb", "--rpo", "0", "--ops", "50000", "--rto", "10s", "--p99", "0"], 2, /--p99 0/),
  c(["recommend", "--dataset", "40", "--rpo", "0", "--ops", "50000", "--rto", "10s"], 2, /--dataset needs a unit/),
  c(["recommend", "--dataset", "40gb", "--rpo", "0", "--ops", "-1", "--rto", "10s"], 2, /--ops/),
  c(["recommend", "--dataset", "40gb", "--rpo", "0", "--ops", "50000", "--rto", "10s", "--read-ratio", "2"], 2, /--read-ratio/),
  c(["recommend", "--dataset", "40gb", "--rpo", "soon", "--ops", "50000", "--rto", "10s"], 2, /--rpo/),
  c(["recommend", "--dataset", "40gb", "--rpo", "0", "--ops", "50000"], 2, /--rto/),
  // run --target: a deployment of the user's own (docs/targets.md); every one of these is refused before anything connects,
  // or (an address nothing answers at) at the first PING of the dry run
  c(["run", sentinel, "--dry-run"], 2, /--dry-run goes with --target/),
  c(["run", sentinel, "--target", path.join(scratch, "no-such-target.yaml")], 2, /--target .*no-such-target\.yaml: cannot read it \(there is no such file\)/),
  c(["run", sentinel, "--target", file("target.txt", "kind: sentinel")], 2, /ends in \.json, \.yaml or \.yml/),
  c(["run", sentinel, "--target", file("t-empty.yaml", "")], 2, /target file .* is invalid/, /kind/),
  c(
    ["run", sentinel, "--target", target({ nodes: [{ name: "redis-0", address: "10.9.9.9:6379" }] })],
    2,
    /nodes\[0\]\.address: 10\.9\.9\.9 is not in allow\.hosts/,
  ),
  c(["run", sentinel, "--target", target({ nodes: [{ name: "redis-0", address: "127.0.0.1" }] })], 2, /nodes\[0\]\.address: .*host:port/),
  c(["run", sentinel, "--target", target({ kind: "sentinal" })], 2, /kind: must be one of standalone, replication, sentinel/, /Did you mean "sentinel"/),
  c(["run", sentinel, "--target", target({ kind: "sentinel", sentinels: undefined })], 2, /sentinels: a sentinel target names its Sentinels/),
  c(
    ["run", sentinel, "--target", target({ auth: { passwordEnv: "NO_SUCH_REDIS_PASSWORD_VAR" } })],
    2,
    /auth\.passwordEnv names the environment variable NO_SUCH_REDIS_PASSWORD_VAR, which is not set/,
  ),
  c(["run", sentinel, "--target", target({ auth: { password: "hunter2" } })], 2, /auth: has an unknown field "password"/),
  c(["run", sentinel, "--target", target({ control: { kind: "ssh", knownHosts: "kh" } })], 2, /nodes\[0\]\.start: the command that starts redis-0 again/),
  c(
    ["run", sentinel, "--target", target({ control: { kind: "ssh", knownHosts: path.join(scratch, "no-kh"), identityFile: file("k", "x") }, start: true })],
    2,
    /control\.knownHosts .*no-kh: cannot read it/,
  ),
  c(["run", "smoke-standalone", "--target", target({})], 2, /the scenario tests a standalone topology; the target t is sentinel/),
  c(["run", sentinel, "--target", target({})], 2, /faults\[0\] \(kill\): needs node processes to kill/, /control: \{ kind: ssh/),
  c(["run", "sentinel-split-brain", "--target", target({})], 2, /faults\[0\] \(partition\): needs peers to cut it off from, both ways/),
  c(["run", sentinel, "--dataset", "100mb", "--target", target({})], 2, /dataset: loaded with DEBUG POPULATE: .*allow\.debug: true/),
  c(
    [
      "run",
      "sentinel-master-kill",
      "--target",
      target({ control: { kind: "ssh", port: 1, knownHosts: file("kh", ""), identityFile: file("k2", "x") }, start: true }),
      "--dry-run",
    ],
    2,
    /redis-0: cannot log in over SSH/,
  ),
  c(
    [
      "run",
      "smoke-standalone",
      "--target",
      target({ kind: "standalone", nodes: [{ name: "redis-0", address: "127.0.0.1:1" }], sentinels: undefined }),
      "--dry-run",
    ],
    2,
    /redis-0 at 127\.0\.0\.1:1 does not answer/,
    /Check the address/,
  ),
  c(["run", sentinel, "--target", target({ drivers: { hosts: ["root@127.0.0.1"] } })], 2, /drivers: drivers are started over SSH with the control's login/),
  c(
    ["run", sentinel, "--target", target({ drivers: { hosts: ["root@10.9.9.9"] }, control: { kind: "ssh", knownHosts: "kh" }, start: true })],
    2,
    /drivers\.hosts\[0\]: 10\.9\.9\.9 is not in allow\.hosts/,
  ),
  c(
    [
      "run",
      "smoke-standalone",
      "--target",
      target({
        kind: "standalone",
        nodes: [{ name: "redis-0", address: "127.0.0.1:1", start: "true" }],
        sentinels: undefined,
        control: { kind: "ssh", knownHosts: file("kh3", ""), identityFile: file("k3", "x") },
        drivers: { hosts: ["root@127.0.0.1"] },
      }),
    ],
    2,
    /workload: drivers on other hosts run the lean engine's load of a shardable workload/,
  ),
  c(["run", sentinel, "--target", target({ control: { kind: "docker" } })], 2, /nodes\[0\]\.container: the name of redis-0's container/),
  c(
    ["run", sentinel, "--target", target({ control: { kind: "docker", engine: "tcp://127.0.0.1:2376" } })],
    2,
    /control\.certs: a tcp engine is reached with TLS only/,
  ),
  c(
    ["run", sentinel, "--target", target({ control: { kind: "docker", engine: "tcp://10.9.9.9:2376", certs: "x" } })],
    2,
    /control\.engine: 10\.9\.9\.9 is not in allow\.hosts/,
  ),
  c(
    ["run", "sentinel-split-brain", "--target", target({ control: { kind: "ssh", knownHosts: file("kh4", ""), identityFile: file("k4", "x") }, start: true })],
    2,
    /127\.0\.0\.1 is this machine: the harness would cut itself off/,
  ),
  // a topology split over several engines (--engines): refused before any engine is called
  c(["run", sentinel, "--engines", "here"], 2, /--engines here: a split names at least two engines/, /--engine tcp:\/\/host:2376 instead/),
  c(["run", sentinel, "--placement", "round-robin"], 2, /--placement goes with --engines/),
  c(
    ["run", sentinel, "--engines", "here,tcp://10.9.9.9:2376", "--engine-certs", scratch, "--reach-here-at", "10.253.253.253"],
    2,
    /--reach-here-at 10\.253\.253\.253: not an address of this machine/,
  ),
  // an upgrade on a split: its containers cannot be replaced there yet (the other engine is a closed loopback port: never called)
  c(
    ["run", "sentinel-rolling-upgrade", "--engines", "here,tcp://127.0.0.1:1", "--engine-certs", certsFolder(), "--reach-here-at", hostAddress()],
    2,
    /faults\[0\]: upgrade replaces containers, which a topology split over engines \(--engines\) cannot do yet/,
    /leave --engines out/,
  ),
  // settings from the environment
  { argv: ["run", sentinel], code: 2, says: [/HARNESS_INCONCLUSIVE=maybe/], env: { HARNESS_INCONCLUSIVE: "maybe" } },
  { argv: ["run", sentinel], code: 2, says: [/HARNESS_MEMORY_FLOOR=lots/], env: { HARNESS_MEMORY_FLOOR: "lots" } },
  { argv: ["run", sentinel], code: 2, says: [/HARNESS_PULL=sometimes/, /auto/], env: { HARNESS_PULL: "sometimes" } },
];

const created = () => (existsSync(reports) ? readdirSync(reports) : []);

test.serial(
  `${CASES.length} bad inputs: each exits 2 (3 where the engine is missing) naming the flag or field and the fix; none crashes or leaves a folder`,
  async (t) => {
    t.true(CASES.length >= 90, "the list keeps at least the ~90 inputs a new user was seen to get wrong");
    const wrong: string[] = [];
    for (const { argv, code, says, env } of CASES) {
      const r = await cli(argv, env);
      const line = `${Object.entries(env ?? {})
        .map(([k, v]) => `${k}=${v} `)
        .join("")}${argv.join(" ")}`;
      const problems = [
        ...((Array.isArray(code) ? code : [code]).includes(r.code) ? [] : [`exit ${r.code}, expected ${code}`]),
        ...(/unexpected error|    at /.test(r.text) ? ["a stack trace"] : []),
        ...says.filter((w) => !w.test(r.text)).map((w) => `no ${w}`),
        ...(created().length ? [`left ${created().join(", ")}`] : []),
      ];
      for (const dir of created()) rmSync(path.join(reports, dir), { recursive: true });
      if (problems.length) wrong.push(`${line}: ${problems.join("; ")}\n${r.text.replace(/^/gm, "    ")}`);
    }
    t.deepEqual(wrong, [], wrong.join("\n"));
  },
);

test.serial("--version prints the harness's version and the Node.js it runs on, and exits 0", async (t) => {
  const r = await cli(["--version"]);
  t.is(r.code, 0);
  t.regex(r.text, /^\d+\.\d+\.\d+ \(Node\.js v\d+\.\d+\.\d+\)\n$/);
});
