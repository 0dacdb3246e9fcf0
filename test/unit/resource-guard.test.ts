import test from "ava";
import { EXIT } from "../../harness/infra/errors.js";
import { bytesPerKey, estimateResources, requireResources } from "../../harness/scenario/resource-guard.js";
import { validateScenario } from "../../harness/scenario/load.js";

// The resource guard: before anything is created, a run that cannot fit on the host is refused with the estimate, what
// is available and a dataset that fits; one that fits carries its estimate into the report.

const GiB = 2 ** 30;
const host = { memoryBytes: 24 * GiB, diskBytes: 100 * GiB };
const bgsave = (size: string, extra: Record<string, unknown> = {}) =>
  validateScenario(
    { name: "big", topology: { kind: "standalone" }, dataset: { size }, workload: { duration: "40s" }, faults: [{ kind: "bgsave", at: "10s" }], ...extra },
    "test",
  );

test("the per-key model lies above what DEBUG POPULATE measured here (184 B at 100-byte values, 1,354 B at 1 KiB, 10,317 B at 10 kB)", (t) => {
  t.true(bytesPerKey(100) >= 184);
  t.true(bytesPerKey(1024) >= 1354);
  t.true(bytesPerKey(10_000) >= 10_317);
});

test("100 TB is refused at once with exit 2, naming the estimate, what is available, and a dataset that fits", (t) => {
  const err = t.throws(() => requireResources(bgsave("100tb"), host));
  t.is((err as unknown as { exitCode: number }).exitCode, EXIT.badInput);
  t.regex(err!.message, /^Scenario "big" does not fit on this host: it needs about [\d.]+ [PT]iB of memory \(the dataset and the workload.s writes, 1 copy/);
  t.regex(err!.message, /this host has 24.0 GiB available/);
  const hint = (err as unknown as { hint: string }).hint;
  const fits = /Use a smaller --dataset: ([\d.]+) GiB fits here/.exec(hint);
  t.truthy(fits, hint);
  t.notThrows(() => requireResources(bgsave(`${fits![1]}gb`), host), "and the size it names does fit");
});

test("a dataset that fits passes with its estimate; replicas hold a copy each, and a save adds copy-on-write and disk", (t) => {
  const one = requireResources(bgsave("1gb"), host);
  t.true(one.memoryBytes > 1.25 * GiB && one.memoryBytes < 3 * GiB, `${one.memoryBytes}`);
  t.is(one.diskBytes > GiB, true, "the save writes the dataset to disk");
  const replicated = estimateResources(bgsave("1gb", { topology: { kind: "replication", replicas: 2 }, faults: [] }), host);
  t.regex(replicated.parts[0].what, /^the dataset and the workload.s writes, 3 copies/);
  t.is(replicated.diskBytes, 0, "no save, no disk");
  t.false(replicated.parts.some((p) => p.what.startsWith("copy-on-write")));
});

test("the harness's own record counts too: a million ops/s for an hour does not fit in 24 GiB", (t) => {
  const s = validateScenario({ name: "long", topology: { kind: "standalone" }, workload: { duration: "3600s", rate: 1_000_000 } }, "test");
  const err = t.throws(() => requireResources(s, host));
  t.regex(
    err!.message,
    /the harness \(its record of the writes and per-second latency for 3600 s at 1000000 ops\/s; its record of every operation, [\d.]+ GiB, on disk\)/,
  );
  t.regex((err as unknown as { hint: string }).hint, /Lower --rate or --duration/);
});

test("a soak's records go to disk: two hours at 2,000 ops/s counts 56 B a write in memory, and its operations, writes and reads in the temporary folder", (t) => {
  const soak = (keys: string) =>
    validateScenario({ name: "soak", topology: { kind: "standalone" }, workload: { keys, duration: "7200s", rate: 2000 } }, "test");
  const ledger = requireResources(soak("ledger"), { ...host, tmpBytes: 10 * 2 ** 30 });
  const [ops, half] = [7200 * 2000, 7200 * 2000 * 0.5];
  t.is(ledger.spilledBytes, ops * 18 + half * 23 + half * 16, "the op log, the ledger's writes and the reads it judged");
  t.is(requireResources(soak("random"), { ...host, tmpBytes: 10 * 2 ** 30 }).spilledBytes, ops * 18, "a workload without a ledger spills its op log only");
  const harness = ledger.parts.find((p) => p.what.startsWith("the harness"))!;
  t.is(harness.bytes, 512 * 2 ** 20 + half * 56 + 7200 * 8 * 1024);
  // The same soak with a temporary folder too small for its records is refused, naming the folder and TMPDIR.
  const err = t.throws(() => requireResources(soak("ledger"), { ...host, tmpBytes: 100 * 2 ** 20 }));
  t.regex(err!.message, /needs about 515\.0 MiB of disk in .* for its record of every operation, and that disk has 100\.0 MiB free \(TMPDIR moves it\)/);
});

test("a host whose memory cannot be read is not guarded (and says nothing false)", (t) => {
  const e = requireResources(bgsave("100tb"), { memoryBytes: null, diskBytes: null });
  t.is(e.availableMemoryBytes, null);
});
