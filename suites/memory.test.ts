import type { ExecutionContext } from "ava";
import type { RunReport } from "../harness/report/types.js";
import { suite } from "./suite.js";

// A cache past maxmemory, per policy: what is evicted, what is refused, and what the reads still find.

/** From the server's own samples: keys evicted over the run, and the second used_memory first reached maxmemory. */
function server(r: RunReport) {
  const samples = r.samples.filter((s) => s.node === "redis-0").sort((a, b) => a.tMs - b.tMs);
  const n = (s: RunReport["samples"][number], k: string) => Number(s.values[k] ?? 0);
  const maxmemory = Math.max(...samples.map((s) => n(s, "maxmemory")));
  const full = samples.find((s) => n(s, "used_memory") >= 0.95 * maxmemory);
  return {
    evicted: n(samples.at(-1)!, "evicted_keys") - n(samples[0], "evicted_keys"),
    fullAtS: full ? Math.floor(full.tMs / 1000) : null,
    maxmemory,
  };
}

function refusesPastMaxmemory(t: ExecutionContext, r: RunReport): void {
  const s = server(r);
  const firstOom = r.perSecond.find((p) => (p.errorsByClass.OOM ?? 0) > 0)?.second;
  t.log(`filled at ${s.fullAtS} s, first OOM error at ${firstOom} s, ${r.total.errorsByClass.OOM} in all; hit ratio ${r.cache?.hitRatio}`);
  t.is(s.evicted, 0, "nothing evicted");
  t.true(firstOom !== undefined && s.fullAtS !== null && firstOom >= s.fullAtS - 1, "writes are refused once used_memory reached maxmemory, not before");
  const critical = r.cache!.alerts.find((a) => a.level === "critical")!;
  t.not(critical.firstSecond, null, "the reads of the refused keys miss: the hit ratio fell below the seed's critical 80%");
}

suite("memory.json", {
  "cache-allkeys-lru": (t, { report }) => {
    const s = server(report);
    const written = report.perSecond.reduce((n, p) => n + p.writesOk, 0);
    const resident = (written - s.evicted) / written;
    const last = report.cache!.perSecond.slice(-3);
    const lastRatio = last.reduce((n, p) => n + p.hits, 0) / last.reduce((n, p) => n + p.hits + p.misses, 0);
    t.log(`filled at ${s.fullAtS} s; ${s.evicted} of ${written} keys evicted (${Math.round(resident * 100)}% kept); last 3 s hit ratio ${lastRatio}`);
    t.true(s.evicted > 0, "past maxmemory, keys were evicted");
    // LRU keeps the recent keys the reads ask for: far more hits than the share of keys it kept.
    t.true(lastRatio > 2 * resident, `hit ratio ${lastRatio} with ${resident} of the keys kept`);
  },
  "cache-noeviction": (t, { report }) => refusesPastMaxmemory(t, report),
  "cache-volatile-lru-without-ttls": (t, { report }) => refusesPastMaxmemory(t, report),
});
