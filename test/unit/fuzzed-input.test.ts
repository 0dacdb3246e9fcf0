import test from "ava";
import fc from "fast-check";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Bad input, generated: scenario files with one field made wrong, and option sets with one flag made wrong, each run
// through the real command line in this process. Every one must exit 2, name what is wrong, and create nothing: the
// reports folder stays empty. DOCKER_HOST names a socket that does not exist, but testcontainers falls back to the
// machine's own engine when there is one, so "nothing created" is the guard here, not the engine.
const scratch = mkdtempSync(path.join(tmpdir(), "fuzzed-input-"));
const reports = path.join(scratch, "reports");
process.env.REPORTS_DIR = reports;
process.env.DOCKER_HOST = `unix://${path.join(scratch, "no-engine.sock")}`;
const { main } = await import("../../harness/commands/program.js");
const { SUITES_DIR } = await import("../../harness/scenario/load.js");

type Json = Record<string, unknown>;

/** Every scenario the suites hold, as written: the bases the mutations start from. */
const bases: Json[] = readdirSync(SUITES_DIR)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => JSON.parse(readFileSync(path.join(SUITES_DIR, f), "utf8")) as Json[]);

/** Runs a command line as the process would; what it printed goes nowhere but into the result. */
async function cli(argv: string[]): Promise<{ code: number; text: string }> {
  let text = "";
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  const capture = (chunk: string | Uint8Array) => ((text += String(chunk)), true);
  process.stderr.write = capture as typeof process.stderr.write;
  process.stdout.write = capture as typeof process.stdout.write;
  try {
    return { code: await main(argv), text };
  } catch (e) {
    const err = e as { exitCode?: number; message?: string; hint?: string };
    return { code: err.exitCode ?? 4, text: `${text}${err.message}\n${err.hint ?? ""}` };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
  }
}

const notANumber = fc.oneof(fc.string().filter((s) => s.trim() === "" || Number.isNaN(Number(s))), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }));
const belowOne = fc.oneof(fc.constant(0), fc.integer({ min: -1e9, max: -1 }));
const fraction = fc.double({ min: 0.01, max: 0.99, noNaN: true }).map((f) => 1 + f);
const junkUnit = fc.stringMatching(/^[0-9]{1,4}(xb|gbb|tbs|q|mss|secss|hourz)$/);
const notInEnum = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/^(open-loop|closed-loop|ioredis|lean|ledger|random|dataset|registers|standalone|replication|sentinel|cluster|none|password)$/.test(s));

/** One field made wrong: where, and values it must refuse. */
const FIELD_MUTATIONS: Array<{ at: Array<string | number>; bad: fc.Arbitrary<unknown> }> = [
  { at: ["workload", "rate"], bad: fc.oneof(notANumber, belowOne, fc.integer({ min: 10_000_001, max: 2 ** 40 })) },
  { at: ["workload", "duration"], bad: fc.oneof(belowOne, junkUnit, fc.boolean()) },
  { at: ["workload", "connections"], bad: fc.oneof(notANumber, belowOne, fc.integer({ min: 1001, max: 2 ** 31 }), fraction) },
  { at: ["workload", "readRatio"], bad: fc.oneof(notANumber, fraction, fc.double({ min: -1e6, max: -0.001, noNaN: true })) },
  { at: ["workload", "valueBytes"], bad: fc.oneof(notANumber, belowOne, fc.integer({ min: 512 * 2 ** 20 + 1, max: 2 ** 40 }), fraction) },
  { at: ["workload", "mode"], bad: notInEnum },
  { at: ["workload", "engine"], bad: notInEnum },
  { at: ["workload", "keys"], bad: notInEnum },
  { at: ["workload", "pipeline"], bad: fc.oneof(belowOne, fc.integer({ min: 10_001, max: 2 ** 31 })) },
  { at: ["workload", "threads"], bad: fc.oneof(belowOne, fc.integer({ min: 65, max: 10_000 }), fc.constant("all")) },
  { at: ["dataset", "size"], bad: fc.oneof(junkUnit, fc.integer({ min: -1e12, max: -1 }), fc.boolean()) },
  { at: ["topology", "kind"], bad: notInEnum },
  { at: ["topology", "memoryLimit"], bad: fc.oneof(junkUnit, fc.integer({ min: 1, max: 32 * 2 ** 20 - 1 })) },
  { at: ["security", "auth"], bad: notInEnum },
  { at: ["sampler", "intervalMs"], bad: fc.oneof(fc.integer({ min: -1000, max: 9 }), fc.integer({ min: 10_001, max: 2 ** 31 }), notANumber) },
  { at: ["name"], bad: fc.oneof(fc.constant(""), fc.stringMatching(/^[A-Z _!.][a-zA-Z0-9 _!.]{0,10}$/), fc.integer()) },
  { at: ["faults"], bad: fc.oneof(fc.constant({}), fc.string(), fc.constant([{ kind: "meteor" }])) },
];

const put = (s: Json, at: Array<string | number>, v: unknown): Json => {
  const out = structuredClone(s);
  let o = out as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) o = (o[k] ??= {}) as Record<string | number, unknown>;
  o[at[at.length - 1]] = v;
  return out;
};

/** A scenario file with one wrong field, or an unknown key, or a required field left out; and what must be named. */
const badScenario = fc.oneof(
  fc.record({ base: fc.constantFrom(...bases), m: fc.constantFrom(...FIELD_MUTATIONS) }).chain(({ base, m }) =>
    m.bad.map((v) => ({ scenario: put(base, m.at, v), names: m.at.join(".") })),
  ),
  // An unknown key ("zz" first, so that no section has it): a misspelt field must not be silently ignored.
  fc
    .record({ base: fc.constantFrom(...bases), where: fc.constantFrom<string[]>([], ["workload"], ["topology"], ["dataset"], ["sampler"]), key: fc.stringMatching(/^zz[a-zA-Z]{1,10}$/) })
    .map(({ base, where, key }) => ({ scenario: put(base, [...where, key], 1), names: key })),
  fc.record({ base: fc.constantFrom(...bases), drop: fc.constantFrom(["workload", "duration"], ["topology"], ["name"], ["workload"]) }).map(({ base, drop }) => {
    const s = structuredClone(base);
    const parent = drop.slice(0, -1).reduce<Json>((o, k) => o[k] as Json, s);
    delete parent[drop[drop.length - 1]];
    return { scenario: s, names: drop.join(".") };
  }),
);

const created = () => (existsSync(reports) ? readdirSync(reports) : []);

test.serial("500 scenario files, each with one field made wrong: exit 2, the field named, nothing created", async (t) => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(badScenario, async ({ scenario, names }) => {
      const file = path.join(scratch, `case-${n++}.json`);
      writeFileSync(file, JSON.stringify(scenario));
      const r = await cli(["run", "--file", file, "--quiet"]);
      if (r.code !== 2 || !r.text.includes(names)) throw new Error(`exit ${r.code}, expected 2 naming "${names}":\n${r.text}`);
      if (created().length) throw new Error(`a report folder was created: ${created().join(", ")}`);
    }),
    { numRuns: 500, seed: 20261202, verbose: 1 },
  );
  t.is(n, 500, "every case ran");
  t.deepEqual(created(), []);
});

/** A flag given a value it must refuse, and the words that must name it (the flag, or the field it sets). */
const FLAG_MUTATIONS: Array<{ flag: string; field: string; bad: fc.Arbitrary<string> }> = [
  { flag: "--rate", field: "workload.rate", bad: fc.oneof(fc.constantFrom("abc", "-5", "0", "1e99", "fast"), fc.stringMatching(/^[a-z]{1,6}$/)) },
  { flag: "--duration", field: "workload.duration", bad: fc.oneof(fc.constantFrom("-3s", "0", "forever", "10 parsecs"), junkUnit) },
  { flag: "--dataset", field: "dataset.size", bad: fc.oneof(fc.constantFrom("lots", "-1gb", "1.5.2mb"), junkUnit) },
  { flag: "--connections", field: "workload.connections", bad: fc.oneof(fc.constantFrom("0", "-1", "2.5", "many", "100000"), fc.stringMatching(/^[a-z]{1,6}$/)) },
  { flag: "--read-ratio", field: "workload.readRatio", bad: fc.oneof(fc.constantFrom("2", "-0.5", "half"), fraction.map(String)) },
  { flag: "--at", field: "at", bad: fc.constantFrom("-1s", "never", "10 parsecs", "1000h") },
  { flag: "--driver-threads", field: "threads", bad: fc.oneof(fc.constantFrom("0", "-2", "many", "1.5", "1000")) },
  { flag: "--security", field: "--security", bad: fc.oneof(fc.constantFrom("tls+tls", "acl+password", "none+tls", "ssl", "acl+", "+tls", "ACL"), fc.stringMatching(/^[a-z]{1,8}$/).filter((s) => !["none", "password", "acl", "tls"].includes(s))) },
];

const badOptions = fc.oneof(
  fc.record({ m: fc.constantFrom(...FLAG_MUTATIONS), scenario: fc.constantFrom(...bases.map((b) => b.name as string)) }).chain(({ m, scenario }) =>
    m.bad.map((v) => ({ argv: ["run", scenario, m.flag, v, "--quiet"], names: [m.flag, m.field] })),
  ),
  fc.stringMatching(/^[a-z]{3,10}$/).map((flag) => ({ argv: ["run", "smoke-standalone", `--zz-${flag}`, "1"], names: [`--zz-${flag}`] })),
  fc.stringMatching(/^no-such-[a-z]{2,10}$/).map((name) => ({ argv: ["run", name, "--quiet"], names: [name] })),
  fc.stringMatching(/^no-such-[a-z]{2,10}$/).map((name) => ({ argv: ["suite", name, "--quiet"], names: [name] })),
);

test.serial("500 option sets, each with one flag made wrong: exit 2, the flag named, nothing created", async (t) => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(badOptions, async ({ argv, names }) => {
      n++;
      const r = await cli(argv);
      if (r.code !== 2 || !names.some((w) => r.text.includes(w))) throw new Error(`${argv.join(" ")}: exit ${r.code}, expected 2 naming ${names.join(" or ")}:\n${r.text}`);
      if (created().length) throw new Error(`a report folder was created: ${created().join(", ")}`);
    }),
    { numRuns: 500, seed: 20261202, verbose: 1 },
  );
  t.is(n, 500, "every case ran");
  t.deepEqual(created(), []);
});

