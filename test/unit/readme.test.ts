import test from "ava";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { program } from "../../harness/commands/program.js";
import { loadScenarioFile, readScenarioSources, SUITES_DIR } from "../../harness/scenario/load.js";

// The README and the scenario reference are what a newcomer copies from first: what they show must run as shown.
// Each example scenario is loaded by the real loader, each command names a command the CLI has, each scenario and
// suite it names exists, each docs/ page it links to is there.

const ROOT = path.resolve(import.meta.dirname, "../..");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");
const SCENARIOS_DOC = readFileSync(path.join(ROOT, "docs/scenarios.md"), "utf8");

/** The fenced blocks of a Markdown text, with the language after the opening fence. */
function fencedBlocks(markdown: string): Array<{ lang: string; body: string }> {
  return [...markdown.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], body: m[2] }));
}

/** Loads a scenario text as `run --file` would: written to a file of its own, read by the real loader. */
function loadAsFile(text: string, ext = "yaml"): ReturnType<typeof loadScenarioFile> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "readme-scenario-"));
  try {
    const file = path.join(dir, `my-scenario.${ext}`);
    writeFileSync(file, text);
    return loadScenarioFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every `npm run harness -- <command> <args…>` line of the README's fenced blocks, without its trailing comment. */
function harnessCommands(markdown: string): Array<{ line: string; command: string; args: string[] }> {
  return fencedBlocks(markdown)
    .flatMap((b) => b.body.split("\n"))
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .flatMap((line) => {
      const m = /npm run harness -- (\S+)(.*)$/.exec(line);
      return m ? [{ line, command: m[1], args: m[2].trim().split(/\s+/).filter(Boolean) }] : [];
    });
}

const yamlBlocks = (markdown: string) => fencedBlocks(markdown).filter((b) => b.lang === "yaml");

test("the README is short: at most 150 lines", (t) => {
  const lines = README.split("\n").length - (README.endsWith("\n") ? 1 : 0);
  t.true(lines <= 150, `README.md has ${lines} lines`);
});

test("the README gives the two commands, then the five common tasks, each under its own heading", (t) => {
  const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  t.is(headings[0], "The two commands");
  t.is(headings[1], "Common tasks");
  const tasks = README.slice(README.indexOf("## Common tasks"), README.indexOf(`## ${headings[2]}`));
  const items = [...tasks.matchAll(/^\*\*(\d)\. (.+?)\*\*/gm)].map((m) => m[2]);
  t.is(items.length, 5, `tasks found: ${items.join(" | ")}`);
  for (const [task, words] of [
    [0, /failover/i],
    [1, /versions/i],
    [2, /capacity/i],
    [3, /own scenario/i],
    [4, /own deployment/i],
  ] as const)
    t.regex(items[task], words);
});

test("the README's scenario example validates as written, and is run the way the README says", (t) => {
  const blocks = yamlBlocks(README);
  t.is(blocks.length, 1, "one YAML scenario in the README");
  const scenario = loadAsFile(blocks[0].body);
  t.is(scenario.name, "my-sentinel-kill");
  t.true(scenario.faults.length > 0, "the example injects a fault");
  t.true(Object.keys(scenario.budgets).length > 0, "the example sets budgets");
  t.true(
    harnessCommands(README).some((c) => c.command === "run" && c.args.join(" ") === "--file my-scenario.yaml"),
    "the README runs it with `run --file my-scenario.yaml`",
  );
});

test("every docs/ page the README links to exists, docs/design.md among them", (t) => {
  const links = [...README.matchAll(/\]\((docs\/[^)#\s]+\.md)(#[^)]*)?\)/g)].map((m) => m[1]);
  t.true(links.length > 0);
  t.true(links.includes("docs/design.md"), "the README links the design page");
  for (const link of links) t.true(existsSync(path.join(ROOT, link)), `${link} is linked from README.md and missing`);
});

test("every `npm run harness --` command in the README's blocks is one the command line has", (t) => {
  const known = program().commands.map((c) => c.name());
  const commands = harnessCommands(README);
  t.true(commands.length >= 5, "the README shows the commands of the common tasks");
  for (const c of commands) t.true(known.includes(c.command), `"${c.line}": no command "${c.command}" (the CLI has ${known.join(", ")})`);
});

test("every scenario the README runs by name, and every suite it runs, exists in suites/", (t) => {
  const scenarios = new Set(readScenarioSources().map((s) => String(s.input.name)));
  const suites = new Set(
    readdirSync(SUITES_DIR)
      .filter((f) => /\.(json|ya?ml)$/.test(f))
      .map((f) => f.replace(/\.(json|ya?ml)$/, "")),
  );
  for (const c of harnessCommands(README)) {
    const first = c.args[0];
    if (c.command === "run" && first && !first.startsWith("-")) t.true(scenarios.has(first), `"${c.line}": no scenario named ${first}`);
    if (c.command === "suite" || c.command === "matrix") t.true(suites.has(first), `"${c.line}": no suite file suites/${first}.json`);
  }
});

test("docs/scenarios.md's example scenario validates as written, with every section filled in", (t) => {
  const [example] = yamlBlocks(SCENARIOS_DOC);
  t.truthy(example, "docs/scenarios.md has a YAML scenario");
  const scenario = loadAsFile(example.body);
  for (const section of ["topology", "dataset", "workload", "client", "faults", "app", "security", "sampler", "budgets"])
    t.true(new RegExp(`^${section}:`, "m").test(example.body), `the example shows ${section}`);
  t.is(scenario.faults[0].kind, "bgsave");
});

test("docs/scenarios.md's topologies with replicas each validate in a scenario", (t) => {
  const block = yamlBlocks(SCENARIOS_DOC).find((b) => /kind: replication/.test(b.body));
  t.truthy(block, "docs/scenarios.md lists the topologies with replicas");
  const topologies = parseYaml(block!.body) as Array<{ kind: string }>;
  t.deepEqual(
    topologies.map((x) => x.kind),
    ["replication", "sentinel", "cluster"],
  );
  for (const topology of topologies) {
    const scenario = loadAsFile(JSON.stringify({ name: `doc-${topology.kind}`, topology, workload: { duration: "10s" } }), "json");
    t.is(scenario.topology.kind as string, topology.kind);
  }
});

test("no fenced block in docs/scenarios.md is JSON with comments: each is valid as written", (t) => {
  for (const b of fencedBlocks(SCENARIOS_DOC)) {
    t.not(b.lang, "jsonc");
    if (b.lang === "json") t.notThrows(() => JSON.parse(b.body));
    if (b.lang === "yaml") t.notThrows(() => parseYaml(b.body));
  }
});
