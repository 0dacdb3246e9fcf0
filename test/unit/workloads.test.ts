import test from "ava";
import { METRICS } from "../../harness/check/metrics.js";
import { bytesPerKey, estimateResources } from "../../harness/scenario/resource-guard.js";
import { scenarioSchema } from "../../harness/scenario/schema.js";
import { validateScenario } from "../../harness/scenario/load.js";
import { WORKLOADS } from "../../harness/workload/registry.js";

// A workload is its definition (workload/definition.ts): the schema, the budgets it allows, the read-back and the
// resource guard follow what it declares, for every workload the registry holds, without naming one.

const base = (keys: string, extra: object = {}) => ({
  name: "w",
  topology: { kind: "standalone" },
  workload: { duration: "10s", keys },
  dataset: { size: WORKLOADS.find((w) => w.keys === keys)?.needsDataset ? "16mb" : 0 },
  ...extra,
});

test("every registered workload is a workload.keys a scenario may name, and nothing else is", (t) => {
  for (const w of WORKLOADS) t.true(scenarioSchema.safeParse(base(w.keys)).success, w.keys);
  t.false(scenarioSchema.safeParse(base("not-a-workload")).success);
});

test("a budget on a metric measured from a history is accepted exactly where the workload keeps that history", (t) => {
  const needing = METRICS.filter((m) => m.needs);
  t.true(needing.length >= 5, "lost and duplicated writes, RPO, durable RTO, linearizability and the hit ratio need a history");
  for (const w of WORKLOADS)
    for (const m of needing)
      for (const { key } of m.budgets) {
        // A per-phase budget takes a value per phase; a fraction is at most 1.
        const r = scenarioSchema.safeParse(base(w.keys, { budgets: { [key]: m.perPhase ? { baseline: 0.5 } : 1 } }));
        t.is(r.success, w.keeps[m.needs!], `${w.keys} with ${key}`);
      }
});

test("reads from replicas are allowed on a workload that judges them, refused elsewhere", (t) => {
  for (const w of WORKLOADS) {
    const r = scenarioSchema.safeParse({
      ...base(w.keys),
      topology: { kind: "replication" },
      workload: { duration: "10s", keys: w.keys, readFrom: "replicas" },
    });
    t.is(r.success, w.keeps.staleReads, w.keys);
  }
});

test("the resource guard counts the keys each workload says its writes leave", (t) => {
  const writes = 1000 * 10 * 0.5;
  for (const w of WORKLOADS) {
    const s = validateScenario(
      { ...base(w.keys), workload: { duration: "10s", keys: w.keys, rate: 1000, readRatio: 0.5, keySpace: 100, valueBytes: 100 } },
      "test",
    );
    const data = estimateResources(s).parts.find((p) => p.what.startsWith("the dataset and the workload's writes"))?.bytes ?? 0;
    const datasetBytes = s.dataset.size > 0 ? Math.floor(s.dataset.size / s.dataset.valueBytes) * bytesPerKey(s.dataset.valueBytes) : 0;
    // A workload whose values are its own (the ledger's are write ids) says how large they are; else valueBytes.
    t.is(data, datasetBytes + Math.ceil(w.keysWritten(writes, s.workload) * bytesPerKey(w.valueBytesWritten ?? 100)), w.keys);
  }
  const keys = Object.fromEntries(WORKLOADS.map((w) => [w.keys, w.keysWritten(writes, { ...validateScenario(base(w.keys), "test").workload, keySpace: 100 })]));
  t.deepEqual(
    keys,
    { ledger: writes, random: 100, dataset: 0, registers: 8, cache: writes },
    "one key a write; at most the key space; the dataset's own; the registers; a new key a write",
  );
  const ledger = WORKLOADS.find((w) => w.keys === "ledger")!;
  t.is(ledger.keysWritten(writes, { ...validateScenario(base("ledger"), "test").workload, ledgerKeys: 1000 }), 1000, "reused ledger keys: at most ledgerKeys");
});

test("a workload that writes over the dataset is refused without one", (t) => {
  for (const w of WORKLOADS.filter((d) => d.needsDataset)) {
    const r = scenarioSchema.safeParse({ ...base(w.keys), dataset: { size: 0 } });
    t.false(r.success, w.keys);
    t.regex(JSON.stringify(r.error?.issues), /writes over the preloaded dataset/);
  }
});
