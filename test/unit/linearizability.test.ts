import test from "ava";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { History } from "../../harness/check/history.js";
import { checkLinearizability, linearizabilityChecker, VISUALIZATION_FILE, type RegisterOp } from "../../harness/check/linearizability.js";
import { metric, type Measurements } from "../../harness/check/metrics.js";
import { RegisterHistory } from "../../harness/measure/register-history.js";
import { registerIssuer } from "../../harness/workload/register-ops.js";
import { StaleReadLog } from "../../harness/measure/stale-reads.js";
import { EnvironmentError } from "../../harness/infra/errors.js";

const set = (client: number, value: string, call: number, ret: number, ok = true, key = "r"): RegisterOp => ({
  client,
  key,
  op: "set",
  value,
  ok,
  call,
  return: ret,
});
const get = (client: number, value: string | null, call: number, ret: number, key = "r"): RegisterOp => ({
  client,
  key,
  op: "get",
  value,
  ok: true,
  call,
  return: ret,
});
const incr = (client: number, value: string | null, call: number, ret: number, ok = true, key = "c"): RegisterOp => ({
  client,
  key,
  op: "incr",
  value,
  ok,
  call,
  return: ret,
});

test("a split brain's signature: a read of the old value after the new one was acknowledged is not linearizable; the counterexample is the stale read and the two writes", (t) => {
  const h = [
    set(0, "a", 0, 5),
    get(1, "a", 6, 8), // noise: consistent with everything
    set(0, "b", 9, 12),
    get(1, "b", 13, 14), // the new primary's side
    get(2, "a", 15, 16), // the old primary's side, after it
    set(3, "z", 0, 1, true, "other"),
    get(3, "z", 2, 3, "other"),
  ];
  const r = checkLinearizability(h);
  t.is(r.result, "not linearizable");
  const bad = r.keys.find((k) => k.key === "r")!;
  t.is(bad.result, "not linearizable");
  t.deepEqual(bad.counterexample, [0, 2, 4], "SET a, SET b acknowledged, then GET → a: the reads that fit left out");
  t.true(bad.minimal);
  t.is(r.keys.find((k) => k.key === "other")!.result, "linearizable", "keys are judged apart");
});

test("concurrent operations may take effect in any order inside their intervals: linearizable", (t) => {
  const h = [set(0, "a", 0, 10), get(1, "a", 2, 7), get(2, null, 1, 3), set(3, "b", 4, 20), get(1, "b", 8, 9), get(2, "a", 5, 11)];
  // One order that fits: GET → nil at 1, SET a at 2, GET → a at 2.5 and at 5, SET b at 8, GET → b at 8.5.
  t.is(checkLinearizability(h).result, "linearizable");
});

test("an acknowledged write that a later read does not see is not linearizable (a lost write)", (t) => {
  const r = checkLinearizability([set(0, "a", 0, 1), get(1, null, 2, 3)]);
  t.is(r.result, "not linearizable");
  t.deepEqual(r.keys[0].counterexample, [0, 1]);
});

test("an indeterminate write may take effect later or never: a later read of its value, or of the old one, is linearizable", (t) => {
  t.is(checkLinearizability([set(0, "a", 0, 1), set(0, "b", 2, 3, false), get(1, "a", 10, 11)]).result, "linearizable", "never applied");
  t.is(
    checkLinearizability([set(0, "a", 0, 1), set(0, "b", 2, 3, false), get(1, "a", 10, 11), get(1, "b", 20, 21)]).result,
    "linearizable",
    "applied after its timeout",
  );
  t.is(
    checkLinearizability([set(0, "a", 0, 1), set(0, "b", 2, 3, false), get(1, "b", 10, 11), get(1, "a", 20, 21)]).result,
    "not linearizable",
    "but not undone once seen",
  );
});

test("counters: INCR replies must count every increment before them; an indeterminate INCR may count or not", (t) => {
  t.is(checkLinearizability([incr(0, "1", 0, 1), incr(1, "2", 2, 3), get(2, "1", 4, 5, "c")]).result, "not linearizable", "reading 1 after the reply 2");
  t.is(checkLinearizability([incr(0, "1", 0, 1), incr(1, null, 2, 3, false), incr(0, "3", 4, 5)]).result, "linearizable");
  t.is(checkLinearizability([incr(0, "1", 0, 1), incr(1, null, 2, 3, false), incr(0, "2", 4, 5)]).result, "linearizable");
  t.is(checkLinearizability([incr(0, "1", 0, 1), incr(0, "1", 4, 5)]).result, "not linearizable", "two replies of 1: an increment lost");
  // A counter that went backwards after many increments: the proof is the two replies, the increments between them left out.
  const many = Array.from({ length: 40 }, (_, k) => incr(k % 3, String(k + 1), 10 * k, 10 * k + 2));
  const back = checkLinearizability([...many, incr(1, "7", 500, 502)]);
  t.is(back.result, "not linearizable");
  t.deepEqual(back.keys[0].counterexample, [39, 40], "INCR → 40, then INCR → 7");
  t.true(back.keys[0].counterBound);
  const phantom = checkLinearizability([incr(0, "1", 0, 1), incr(0, "3", 4, 5)]);
  t.is(phantom.result, "not linearizable", "an increment applied twice (or one nobody made)");
  t.falsy(phantom.keys[0].counterBound, "a jump is no proof with increments left out: every one kept");
});

test("a long concurrent history drawn from a real sequential order is linearizable; the same with one read made stale is not", (t) => {
  // Four clients; each operation takes effect at one instant inside its [call, return] window, in one global order.
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const h: RegisterOp[] = [];
  let value: string | null = null;
  const free = [0, 0, 0, 0];
  for (let i = 0, now = 0; i < 2000; i++) {
    now += 1 + Math.floor(rnd() * 3);
    const client = i % 4;
    const call = Math.max(free[client], now - Math.floor(rnd() * 5));
    const ret = now + Math.floor(rnd() * 5);
    free[client] = ret + 1;
    if (rnd() < 0.4) h.push(set(client, (value = `v${i}`), call, ret));
    else h.push(get(client, value, call, ret));
    now = Math.max(now, call);
  }
  const ok = checkLinearizability(h);
  t.is(ok.result, "linearizable", `${ok.elapsedMs} ms`);
  const lastRead = h.map((o) => o.op).lastIndexOf("get");
  const stale = h.map((o, i) => (i === lastRead ? { ...o, call: o.call + 1000, return: o.return + 1000, value: "v0" } : o));
  const bad = checkLinearizability(stale);
  t.is(bad.result, "not linearizable");
  t.true(bad.keys[0].counterexample!.includes(lastRead), "the stale read is in the counterexample");
  t.true(bad.keys[0].counterexample!.length <= 4, `a few operations, not the history: ${bad.keys[0].counterexample!.length}`);
});

test("Porcupine's HTML view of the counterexample is written where asked", (t) => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "porcupine-")), "linearizability.html");
  const r = checkLinearizability([set(0, "a", 0, 1), get(1, null, 2, 3)], { visualization: file });
  t.is(r.visualization, file);
  t.true(existsSync(file));
  t.regex(readFileSync(file, "utf8"), /<html/i);
});

test("the checker not built: an environment error naming set-up", (t) => {
  const err = t.throws(() => checkLinearizability([], {}, "/nonexistent/porcupine-check"));
  t.true(err instanceof EnvironmentError);
  t.regex(err!.message, /not built/);
  t.regex((err as EnvironmentError).hint!, /harness\/infra\/setup\.sh/);
});

test("the run's register history: a failed read is left out, a failed write stays as indeterminate", (t) => {
  const h = new RegisterHistory();
  const w = h.call(0, "reg:0", "set", "7", 1.5);
  h.settle(w, 2.25, false);
  const r = h.call(1, "reg:0", "get", null, 3);
  h.settle(r, 4, false, "7");
  const lostRead = h.call(1, "reg:0", "get", null, 5);
  h.settle(lostRead, 6, true);
  const timedOut = h.call(2, "ctr:1", "incr", null, 7);
  h.settle(timedOut, 9, true);
  h.call(0, "ctr:1", "incr", null, 11); // no reply before the run ended
  t.deepEqual(h.history(), [
    { client: 0, key: "reg:0", op: "set", value: "7", ok: true, call: 1500, return: 2250 },
    { client: 1, key: "reg:0", op: "get", value: "7", ok: true, call: 3000, return: 4000 },
    { client: 2, key: "ctr:1", op: "incr", value: null, ok: false, call: 7000, return: 9000 },
    { client: 0, key: "ctr:1", op: "incr", value: null, ok: false, call: 11000, return: 0 },
  ]);
});

test("the checker over a run: the violation's counterexample in ms, Porcupine's view in the run's folder, and the metric its budgets read", (t) => {
  const h = new RegisterHistory();
  const op = (client: number, key: string, kind: "set" | "get", value: string | null, from: number, to: number) =>
    h.settle(h.call(client, key, kind, kind === "set" ? value : null, from), to, false, value);
  op(0, "reg:0", "set", "1", 10, 11);
  op(1, "reg:0", "get", "1", 12, 13);
  op(0, "reg:0", "set", "2", 14, 15);
  op(2, "reg:0", "get", "1", 16, 17); // stale: 2 was acknowledged before this read was sent
  op(0, "reg:2", "set", "3", 10, 11);
  const dir = mkdtempSync(path.join(tmpdir(), "lin-run-"));
  const { linearizability: l } = linearizabilityChecker.check({ registers: h, dir } as unknown as History);
  t.is(l!.result, "not linearizable");
  t.is(l!.keys, 2);
  t.deepEqual(
    l!.violations.map((v) => v.key),
    ["reg:0"],
  );
  t.deepEqual(l!.violations[0].counterexample, [
    { client: 0, op: "set", value: "1", ok: true, callMs: 10, returnMs: 11 },
    { client: 0, op: "set", value: "2", ok: true, callMs: 14, returnMs: 15 },
    { client: 2, op: "get", value: "1", ok: true, callMs: 16, returnMs: 17 },
  ]);
  t.is(l!.visualization, VISUALIZATION_FILE);
  t.true(existsSync(path.join(dir, VISUALIZATION_FILE)));
  const m = { linearizability: l } as Measurements;
  t.deepEqual(metric("nonLinearizableKeys").measure(m), { value: 1 });
  t.is(
    metric("nonLinearizableKeys").measure({ linearizability: { ...l!, violations: [], unknownKeys: ["reg:4"] } } as unknown as Measurements).value,
    null,
    "a search that ran out of time passes nothing",
  );
  t.is(linearizabilityChecker.check({ registers: null, dir } as unknown as History).linearizability, null, "other workloads: not checked");
});

/** Each operation of the counterexample left out in turn (unless a read kept still names it): the rest must be linearizable. */
function oneMinimal(h: RegisterOp[], proof: number[]): number[] {
  return proof.filter((out) => {
    const rest = proof.filter((i) => i !== out);
    const seen = new Set(rest.filter((i) => h[i].op === "get").map((i) => h[i].value));
    if (h[out].op === "set" && seen.has(h[out].value)) return false;
    return checkLinearizability(rest.map((i) => h[i])).result !== "linearizable";
  });
}

test("a read that names a write called after it returned: the proof is those two; an early pass that kept the others for it does not stop there", (t) => {
  // Found by a random search against a checker that shrank in one pass: it answered [0, 1, 5], and SET v1 could go.
  const h = [
    set(0, "v0", 28, 35),
    set(1, "v1", 3, 8),
    set(2, "v2", 2, 6),
    get(3, "v1", 8, 13),
    get(4, "v0", 17, 20),
    get(5, "v0", 12, 16),
    get(6, "v1", 6, 11),
  ];
  const r = checkLinearizability(h);
  t.is(r.result, "not linearizable");
  t.deepEqual(oneMinimal(h, r.keys[0].counterexample!), [], `every operation of ${JSON.stringify(r.keys[0].counterexample)} is needed`);
  t.is(r.keys[0].counterexample!.length, 2);
});

test("a counterexample is a proof and 1-minimal: itself not linearizable, and leaving out any one operation (with the writes its reads saw kept) makes it so", (t) => {
  // Random histories from a real order, each with one read made stale late in it; the checker shrinks each.
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    let x = seed;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const h: RegisterOp[] = [];
    let value: string | null = null;
    for (let i = 0, now = 0; i < 300; i++) {
      now += 1 + Math.floor(rnd() * 3);
      const call = now - Math.floor(rnd() * 4);
      if (rnd() < 0.5) h.push(set(i % 4, (value = `v${i}`), call, now + 2));
      else h.push(get(i % 4, value, call, now + 2));
    }
    const victim = 250 + Math.floor(rnd() * 40);
    if (h[victim].op !== "get") continue;
    h[victim] = { ...h[victim], value: "v0" };
    const r = checkLinearizability(h);
    t.is(r.result, "not linearizable", `seed ${seed}`);
    const proof = r.keys[0].counterexample!;
    t.true(r.keys[0].minimal);
    t.is(checkLinearizability(proof.map((i) => h[i])).result, "not linearizable", `seed ${seed}: the counterexample alone`);
    t.deepEqual(oneMinimal(h, proof), [], `seed ${seed}: none of ${JSON.stringify(proof)} can be left out`);
  }
});

test("the registers issuer: unique values on registers, INCR on counters, replies kept as text; a write the runbook stopped never enters the history", async (t) => {
  const store = new Map<string, string>();
  const client = {
    get: (k: string, cb: (e: null, v?: unknown) => void) => cb(null, store.get(k) === undefined ? null : Buffer.from(store.get(k)!)),
    set: (k: string, v: string, cb: (e: null, v?: unknown) => void) => (store.set(k, v), cb(null, "OK")),
    append: (k: string, v: string, cb: (e: null, v?: unknown) => void) => (store.set(k, (store.get(k) ?? "") + v), cb(null, store.get(k)!.length)),
    incr: (k: string, cb: (e: null, v?: unknown) => void) => (store.set(k, String(Number(store.get(k) ?? 0) + 1)), cb(null, Number(store.get(k)))),
  };
  const pool = { clients: [client, client], writesOpen: true };
  const h = new RegisterHistory();
  let now = 0;
  const issue = registerIssuer({ readRatio: 0.5, seed: 3, registers: 4 }, pool, h, () => (now += 0.001));
  for (let i = 0; i < 200; i++) issue(i, 0, () => {});
  const ops = h.history();
  t.is(ops.length, 200);
  t.true(
    ops.every((o) => (o.key.startsWith("reg:") ? o.op !== "incr" : o.op !== "set")),
    "registers are SET, counters INCR",
  );
  const sets = ops.filter((o) => o.op === "set").map((o) => o.value);
  t.is(new Set(sets).size, sets.length, "no two writes of one value");
  t.true(
    ops.some((o) => o.op === "get" && o.value !== null && /^\d+$/.test(o.value)),
    "reads decoded to text",
  );
  t.is(checkLinearizability(ops).result, "linearizable", "one copy answered in one order");
  pool.writesOpen = false;
  let stopped = 0;
  for (let i = 200; i < 300; i++) issue(i, 0, (err) => void (err && stopped++));
  await new Promise((r) => setImmediate(r));
  t.true(stopped > 0);
  t.is(h.history().length, 300 - stopped, "the stopped writes are not in it");
});

test("register reads from a replica that lags: each judged against what was acknowledged before it was sent, stale ones timed, and the history not linearizable", (t) => {
  // The primary applies at once; the replica only sees what the primary had 50 ms ago (replication lag).
  let now = 0;
  const clock = () => now;
  const primary = new Map<string, string>();
  const log: Array<{ atMs: number; key: string; value: string }> = [];
  const fake = (read: (k: string) => string | undefined) => ({
    get: (k: string, cb: (e: null, v?: unknown) => void) => cb(null, read(k) ?? null),
    set: (k: string, v: string, cb: (e: null, v?: unknown) => void) => (primary.set(k, v), log.push({ atMs: now, key: k, value: v }), cb(null, "OK")),
    append: (_k: string, _v: string, cb: (e: null, v?: unknown) => void) => cb(null, 0),
    incr: (k: string, cb: (e: null, v?: unknown) => void) => {
      const n = Number(primary.get(k) ?? 0) + 1;
      primary.set(k, String(n));
      log.push({ atMs: now, key: k, value: String(n) });
      cb(null, n);
    },
  });
  const replicaRead = (k: string) => log.filter((e) => e.key === k && e.atMs <= now - 50).at(-1)?.value;
  const pool = { clients: [fake((k) => primary.get(k))], writesOpen: true };
  const replicas = { clients: [fake(replicaRead)] };
  const staleness = new StaleReadLog();
  const h = new RegisterHistory();
  const issue = registerIssuer({ readRatio: 0.5, seed: 5, registers: 4 }, pool, h, clock, { pool: replicas, staleness });
  for (let i = 0; i < 400; i++) {
    now = i; // one operation a ms
    issue(i, i, () => {});
  }
  const reads = [...staleness.reads()];
  t.is(reads.length, h.history().filter((o) => o.op === "get").length, "every read judged");
  const stale = reads.filter((r) => r.stale);
  t.true(stale.length > reads.length / 2, `a 50 ms lag at 1 op/ms: most reads are stale (${stale.length} of ${reads.length})`);
  t.true(
    stale.every((r) => r.behindMs > 0 && r.behindMs <= 60),
    "behind by about the lag, never more",
  );
  t.is(checkLinearizability(h.history()).result, "not linearizable");

  // The same from the primary: no read stale.
  const fresh = new StaleReadLog();
  const issue2 = registerIssuer({ readRatio: 0.5, seed: 5, registers: 4 }, pool, new RegisterHistory(), clock, { pool, staleness: fresh });
  for (let i = 400; i < 800; i++) {
    now = i;
    issue2(i, i, () => {});
  }
  t.true([...fresh.reads()].length > 100);
  t.is([...fresh.reads()].filter((r) => r.stale).length, 0);
});
