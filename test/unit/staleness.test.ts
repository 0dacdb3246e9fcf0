import test from "ava";
import { StaleReads } from "../../harness/measure/staleness.js";

test("a read that misses a write acknowledged before it was sent is stale, and how far behind it was is kept", (t) => {
  const s = new StaleReads();
  s.record(100, 105, true);
  s.record(100, 130, false);
  s.record(200, 210, false);
  t.deepEqual(s.summary("replicas"), { from: "replicas", reads: 3, stale: 2, staleRate: 2 / 3, maxStalenessMs: 30 });
});
