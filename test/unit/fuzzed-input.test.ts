import test from "ava";
import fc from "fast-check";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

// Bad input, generated: scenario files with one field made wrong, files of any shape at all, and option sets with one
// flag made wrong (every flag of every command), each run through the real command line in this process. None may crash
// (exit 4, a stack trace) or leave anything behind; a wrong field or flag must exit 2 and be named. The Redis image is
// set to one no engine holds and pulling is off, so an input that happens to be valid is refused at admission (exit 2,
// or 3 with no engine) and starts nothing.
process.env.REDIS_IMAGE = "redis-chaos/redis:0.0-fuzz-missing";
process.env.HARNESS_PULL = "never";
const { cli, reports, scratch } = await import("../helpers/in-process-cli.js");
const { program } = await import("../../harness/commands/program.js");
const { SUITES_DIR } = await import("../../harness/scenario/load.js");
const YAML = await import("yaml");

type Json = Record<string, unknown>;

/**
 * Every scenario the suites hold, as written: the bases the mutations start from. An image a scenario names itself (an
 * upgrade's from and to) is the missing one too, so that a base that stays valid is still refused at admission.
 */
const bases: Json[] = readdirSync(SUITES_DIR)
  .filter((f) => f.endsWith(".json"))
  .flatMap((f) => JSON.parse(readFileSync(path.join(SUITES_DIR, f), "utf8")) as Json[])
  .map((s) => JSON.parse(JSON.stringify(s).replace(/"redis-chaos\/(redis|valkey):[0-9.]+"/g, JSON.stringify(process.env.REDIS_IMAGE))) as Json);

const notANumber = fc.oneof(
  fc.string().filter((s) => s.trim() === "" || Number.isNaN(Number(s))),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const belowOne = fc.oneof(fc.constant(0), fc.integer({ min: -1e9, max: -1 }));
const fraction = fc.double({ min: 0.01, max: 0.99, noNaN: true }).map((f) => 1 + f);
const junkUnit = fc.stringMatching(/^[0-9]{1,4}(xb|gbb|tbs|q|mss|secss|hourz)$/);
const notInEnum = fc
  .string({ minLength: 1, maxLength: 12 })
  .filter((s) => !/^(open-loop|closed-loop|ioredis|lean|ledger|random|dataset|registers|standalone|replication|sentinel|cluster|none|password)$/.test(s));

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
  for (const k of at.slice(0, -1)) {
    if (typeof o[k] !== "object" || o[k] === null) o[k] = {};
    o = o[k] as Record<string | number, unknown>;
  }
  o[at[at.length - 1]] = v;
  return out;
};

/** A scenario file with one wrong field, or an unknown key, or a required field left out; and what must be named. */
const badScenario = fc.oneof(
  fc
    .record({ base: fc.constantFrom(...bases), m: fc.constantFrom(...FIELD_MUTATIONS) })
    .chain(({ base, m }) => m.bad.map((v) => ({ scenario: put(base, m.at, v), names: m.at.join(".") }))),
  // An unknown key ("zz" first, so that no section has it): a misspelt field must not be silently ignored.
  fc
    .record({
      base: fc.constantFrom(...bases),
      where: fc.constantFrom<string[]>([], ["workload"], ["topology"], ["dataset"], ["sampler"]),
      key: fc.stringMatching(/^zz[a-zA-Z]{1,10}$/),
    })
    .map(({ base, where, key }) => ({ scenario: put(base, [...where, key], 1), names: key })),
  fc
    .record({ base: fc.constantFrom(...bases), drop: fc.constantFrom(["workload", "duration"], ["topology"], ["name"], ["workload"]) })
    .map(({ base, drop }) => {
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
  {
    flag: "--connections",
    field: "workload.connections",
    bad: fc.oneof(fc.constantFrom("0", "-1", "2.5", "many", "100000"), fc.stringMatching(/^[a-z]{1,6}$/)),
  },
  { flag: "--read-ratio", field: "workload.readRatio", bad: fc.oneof(fc.constantFrom("2", "-0.5", "half"), fraction.map(String)) },
  { flag: "--at", field: "at", bad: fc.constantFrom("-1s", "never", "10 parsecs", "1000h") },
  { flag: "--driver-threads", field: "threads", bad: fc.oneof(fc.constantFrom("0", "-2", "many", "1.5", "1000")) },
  {
    flag: "--security",
    field: "--security",
    bad: fc.oneof(
      fc.constantFrom("tls+tls", "acl+password", "none+tls", "ssl", "acl+", "+tls", "ACL"),
      fc.stringMatching(/^[a-z]{1,8}$/).filter((s) => !["none", "password", "acl", "tls"].includes(s)),
    ),
  },
];

const badOptions = fc.oneof(
  fc
    .record({ m: fc.constantFrom(...FLAG_MUTATIONS), scenario: fc.constantFrom(...bases.map((b) => b.name as string)) })
    .chain(({ m, scenario }) => m.bad.map((v) => ({ argv: ["run", scenario, m.flag, v, "--quiet"], names: [m.flag, m.field] }))),
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
      if (r.code !== 2 || !names.some((w) => r.text.includes(w)))
        throw new Error(`${argv.join(" ")}: exit ${r.code}, expected 2 naming ${names.join(" or ")}:\n${r.text}`);
      if (created().length) throw new Error(`a report folder was created: ${created().join(", ")}`);
    }),
    { numRuns: 500, seed: 20261202, verbose: 1 },
  );
  t.is(n, 500, "every case ran");
  t.deepEqual(created(), []);
});

/** What no command may do with any input: crash, print a stack trace, or leave a folder after refusing. */
function crashed(r: { code: number; text: string }): string | null {
  if (r.code === 4 || /unexpected error|\n\s+at /.test(r.text)) return `crashed (exit ${r.code})`;
  if (![0, 1, 2, 3].includes(r.code)) return `exit ${r.code}`;
  if ((r.code === 2 || r.code === 3) && created().length) return `refused (exit ${r.code}) and left ${created().join(", ")}`;
  return null;
}

const anyDocument = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom<unknown>(null, [], {}, [42], [[]], "", 0, [null], [{}], { name: null }),
  fc
    .record({
      base: fc.constantFrom(...bases),
      at: fc.array(fc.constantFrom("workload", "topology", "faults", 0, "dataset", "budgets", "kind", "at", "name", "security"), {
        minLength: 1,
        maxLength: 3,
      }),
      v: fc.jsonValue(),
    })
    .map(({ base, at, v }) => put(base, at, v)),
);

test.serial(
  "400 scenario files of any shape (empty, scalars, lists, nested junk, real ones with any value anywhere), as JSON and YAML: never a crash",
  async (t) => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(anyDocument, fc.boolean(), async (doc, asYaml) => {
        const file = path.join(scratch, `any-${n++}.${asYaml ? "yaml" : "json"}`);
        writeFileSync(file, doc === undefined ? "" : asYaml ? YAML.stringify(doc) : JSON.stringify(doc));
        const r = await cli(["run", "--file", file, "--quiet"]);
        for (const dir of created()) rmSync(path.join(reports, dir), { recursive: true });
        const problem = crashed(r) ?? (r.code === 2 || r.code === 3 ? null : `exit ${r.code}: a file of junk was run`);
        if (problem) throw new Error(`${JSON.stringify(doc)?.slice(0, 300)}: ${problem}\n${r.text}`);
      }),
      { numRuns: 400, seed: 20261204, verbose: 1 },
    );
    t.is(n, 400);
  },
);

/** Each command of the command line with the flags it takes (introspected, so a flag added later is fuzzed too). */
type Flagged = { path: string[]; positional: string[]; flags: Array<{ flag: string; takesValue: boolean }> };
function commandsOf(cmd: import("commander").Command, at: string[] = []): Flagged[] {
  const here = [...at, cmd.name()].slice(1);
  const subs = cmd.commands.flatMap((c) => commandsOf(c, [...at, cmd.name()]));
  if (cmd.commands.length) return subs;
  // A valid positional, so that the flag is what is judged; --measure is left out: it would start measuring.
  const positional = cmd.registeredArguments.filter((a) => a.required || here[0] === "run").map(() => (here[0] === "run" ? "smoke-standalone" : "smoke"));
  const flags = cmd.options
    .filter((o) => o.long && !["--help", "--measure", "--version"].includes(o.long))
    .map((o) => ({ flag: o.long!, takesValue: o.required || o.optional }));
  return [{ path: here, positional, flags }, ...subs];
}
const COMMANDS = commandsOf(program());
const JUNK = [
  "",
  " ",
  "-1",
  "0",
  "0.5",
  "2.5",
  "1e999",
  "NaN",
  "Infinity",
  "abc",
  "💥",
  "a".repeat(5000),
  "../../../etc/passwd",
  ",",
  "1,,2",
  "10",
  "10s",
  "-3s",
  "1gb",
  "100tb",
  "none",
  "acl+tls",
  "{}",
  "null",
  "-",
  "%s%n",
  "a,b",
];

test.serial("every flag of every command, given junk: never a crash, and a refusal leaves nothing behind", async (t) => {
  const seen = new Set<string>();
  // Nor in the working folder: a path flag given junk (--store abc) once left SQLite files there.
  const here = readdirSync(".").sort();
  await fc.assert(
    fc.asyncProperty(
      fc
        .constantFrom(...COMMANDS.filter((c) => c.flags.length))
        .chain((c) => fc.record({ c: fc.constant(c), f: fc.constantFrom(...c.flags), v: fc.oneof(fc.constantFrom(...JUNK), fc.string({ maxLength: 20 })) })),
      async ({ c, f, v }) => {
        seen.add(`${c.path.join(" ")} ${f.flag}`);
        const argv = [
          ...c.path,
          ...c.positional,
          ...(f.takesValue ? [f.flag, v] : [f.flag]),
          ...(c.flags.some((x) => x.flag === "--quiet") && f.flag !== "--quiet" ? ["--quiet"] : []),
        ];
        const r = await cli(argv);
        for (const dir of created()) rmSync(path.join(reports, dir), { recursive: true });
        const problem = crashed(r);
        if (problem) throw new Error(`${JSON.stringify(argv).slice(0, 300)}: ${problem}\n${r.text.slice(0, 2000)}`);
      },
    ),
    { numRuns: 600, seed: 20261204, verbose: 1 },
  );
  const all = COMMANDS.reduce((n, c) => n + c.flags.length, 0);
  t.true(seen.size >= all * 0.9, `${seen.size} of ${all} flags were fuzzed`);
  t.deepEqual(readdirSync(".").sort(), here, "nothing made in the working folder");
});
