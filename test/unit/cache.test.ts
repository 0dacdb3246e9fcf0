import test from "ava";
import { cacheChecker } from "../../harness/check/cache.js";
import type { History } from "../../harness/check/history.js";
import { CacheReads } from "../../harness/measure/cache-reads.js";
import { classifyError } from "../../harness/measure/errors.js";
import { PhaseClock } from "../../harness/measure/phases.js";
import { ageSampler, cacheIssuer } from "../../harness/workload/cache-fill.js";
import type { CommandClient, ReplyCallback } from "../../harness/workload/engines/command-client.js";
import { Rng } from "../../harness/workload/rng.js";

test("a write refused past maxmemory is an OOM error, not 'other'", (t) => {
  t.is(classifyError(new Error("OOM command not allowed when used memory > 'maxmemory'.")), "OOM");
  t.is(classifyError(new Error("ERR something else")), "other");
});

test("reads by recency: zipf sends most reads to the newest keys (log-uniform ranks), uniform spreads them evenly", (t) => {
  const n = 100_000;
  const share = (draw: (n: number) => number) => {
    let recent = 0;
    for (let i = 0; i < 20_000; i++) {
      const age = draw(n);
      t.true(age >= 0 && age < n);
      if (age < n / 100) recent++;
    }
    return recent / 20_000;
  };
  const zipf = share(ageSampler({ keyDistribution: "zipf" }, new Rng(1)));
  const uniform = share(ageSampler({ keyDistribution: "uniform" }, new Rng(1)));
  // Rank ≤ 1,000 of 100,000 under density ∝ 1/rank: ln(1001)/ln(100001) ≈ 0.60.
  t.true(zipf > 0.55 && zipf < 0.65, `newest 1% of keys take ${zipf} of zipf reads`);
  t.true(uniform > 0.005 && uniform < 0.015, `and ${uniform} of uniform ones`);
  const steeper = share(ageSampler({ keyDistribution: "zipf", zipfExponent: 1.5 }, new Rng(1)));
  t.true(steeper > zipf, `a larger exponent is steeper: ${steeper}`);
});

/** A server with room for `capacity` keys that evicts the oldest (allkeys-lru on a write-once cache) or refuses (noeviction). */
function fakeServer(capacity: number, policy: "evict-oldest" | "refuse") {
  const keys = new Map<string, Buffer>();
  const client: CommandClient = {
    get: (k, cb: ReplyCallback) => cb(null, keys.get(String(k)) ?? null),
    set: (k, v, cb: ReplyCallback) => {
      if (keys.size >= capacity) {
        if (policy === "refuse") return cb(new Error("OOM command not allowed when used memory > 'maxmemory'."));
        keys.delete(keys.keys().next().value!);
      }
      keys.set(String(k), Buffer.from(v));
      cb(null, "OK");
    },
    append: () => undefined,
    incr: () => undefined,
  };
  return { client, keys };
}

test("the cache issuer writes new keys and reads earlier ones: every read a hit while all fit; misses once the oldest are gone", (t) => {
  const run = (capacity: number, policy: "evict-oldest" | "refuse") => {
    const { client } = fakeServer(capacity, policy);
    const reads = new CacheReads();
    const issue = cacheIssuer({ readRatio: 0.5, keySpace: 0, valueBytes: 8, seed: 3, keyDistribution: "uniform" }, { clients: [client] }, reads);
    const errors: unknown[] = [];
    for (let i = 0; i < 4000; i++) issue(i, i, (err) => err && errors.push(err));
    const all = [...reads.reads()];
    const last = all.filter((r) => r.sentMs >= 3000);
    return {
      hits: all.filter((r) => r.hit).length,
      misses: all.filter((r) => !r.hit).length,
      lastHitRatio: last.filter((r) => r.hit).length / last.length,
      errors: errors.length,
    };
  };
  const roomy = run(10_000, "refuse");
  t.is(roomy.misses, 0);
  t.true(roomy.hits > 1500, `${roomy.hits} hits`);
  const evicting = run(500, "evict-oldest");
  // Uniform reads over ~1,600–2,000 keys written with 500 kept: about 500/1,800 of the last quarter's reads hit.
  t.true(evicting.lastHitRatio > 0.2 && evicting.lastHitRatio < 0.35, `last quarter's hit ratio ${evicting.lastHitRatio}`);
  t.is(evicting.errors, 0);
  const refusing = run(500, "refuse");
  t.true(refusing.errors > 1000, `writes past the capacity refused: ${refusing.errors}`);
  t.true(refusing.misses > 0, "the keys whose writes were refused are read as misses");
});

test("the checker: hit ratio per phase and per second, and the first second below each of the seed's alerts", (t) => {
  const reads = new CacheReads();
  // 10 s after a 2 s warm-up: all hits until 5 s, then 85% (below the warning), then 70% (below critical) from 8 s.
  for (let s = 0; s < 12; s++) for (let k = 0; k < 100; k++) reads.record(s * 1000 + k * 10, k < (s < 5 ? 100 : s < 8 ? 85 : 70));
  const phases = new PhaseClock(2000);
  const { cache } = cacheChecker.check({ cacheReads: reads, phases } as unknown as History);
  t.truthy(cache);
  t.is(cache!.phases.warmup.hits, 200);
  t.is(cache!.phases.baseline.hits + cache!.phases.baseline.misses, 1000);
  t.is(cache!.hitRatio, (300 + 3 * 85 + 4 * 70) / 1000, "the warm-up left out");
  t.is(cache!.perSecond[6].hitRatio, 0.85);
  t.deepEqual(
    cache!.alerts.map((a) => [a.level, a.firstSecond, a.seconds]),
    [
      ["warning", 5, 7],
      ["critical", 8, 4],
    ],
  );
  t.deepEqual(cacheChecker.check({ cacheReads: null, phases } as unknown as History), { cache: null }, "no cache workload, no section");
});
