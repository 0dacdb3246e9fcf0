import test from "ava";
import { validateWorkflow } from "@action-validator/core";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { parse } from "yaml";
import { program } from "../../harness/commands/program.js";

// The nightly workflow users copy (docs/examples/nightly.yml): valid for GitHub Actions by its published schema, and
// every harness command and setting it uses is one the harness has.

const FILE = "docs/examples/nightly.yml";
const text = readFileSync(FILE, "utf8");

test("the workflow is valid against GitHub Actions' workflow schema", (t) => {
  const { errors } = validateWorkflow(text);
  t.deepEqual(errors, [], JSON.stringify(errors, null, 1));
});

test("the validator catches what it is there for: a job without runs-on, a step with both uses and run, an unknown key", (t) => {
  const broken = [
    text.replace(/ {4}runs-on: \[self-hosted[^\n]*\n/, ""),
    text.replace("      - uses: actions/checkout@v4\n", "      - uses: actions/checkout@v4\n        run: echo both\n"),
    text.replace("    timeout-minutes: 90\n", "    timeout-minutez: 90\n"),
  ];
  for (const b of broken) {
    t.not(b, text, "the mutation applied");
    t.true(validateWorkflow(b).errors.length > 0);
  }
});

/** The subcommand a command line names, and the long options it was given. */
function commandOf(words: string[]): { command: Command; flags: string[] } {
  let command = program();
  let i = 0;
  for (; i < words.length && !words[i].startsWith("-"); i++) {
    const sub = command.commands.find((c) => c.name() === words[i]);
    if (!sub) break;
    command = sub;
  }
  return { command, flags: words.slice(i).filter((w) => w.startsWith("--")) };
}

test("every harness command the workflow runs exists, with the options it gives", (t) => {
  const steps = (parse(text) as { jobs: Record<string, { steps?: Array<{ run?: string }> }> }).jobs;
  const lines = Object.values(steps)
    .flatMap((j) => j.steps ?? [])
    .flatMap((s) => (s.run ?? "").split("\n"))
    .filter((l) => l.includes("npm run harness --"));
  t.true(lines.length >= 2, lines.join("\n"));
  for (const line of lines) {
    const words = line.split("npm run harness --")[1].trim().split(/\s+/);
    const { command, flags } = commandOf(words);
    t.not(command.name(), "redis-chaos", `${line}: no such command`);
    const known = command.options.map((o) => o.long);
    for (const f of flags) t.true(known.includes(f), `${line}: ${command.name()} has no ${f} (it has ${known.join(", ")})`);
  }
  t.regex(lines.join("\n"), /history check/);
  // And the check tells a wrong one: a misspelled option, a command that is not there.
  t.false(commandOf(["suite", "tour", "--quite"]).command.options.some((o) => o.long === "--quite"));
  t.is(commandOf(["histroy", "check"]).command.name(), "redis-chaos");
});

test("the settings the workflow sets are the harness's own (docs/settings.md lists them)", (t) => {
  const settings = readFileSync("docs/settings.md", "utf8");
  const env = Object.keys((parse(text) as { jobs: { nightly: { env: Record<string, string> } } }).jobs.nightly.env);
  t.deepEqual(env.sort(), ["HARNESS_LABEL", "HARNESS_STORE"]);
  for (const k of env) t.true(settings.includes(`| \`${k}\``), k);
});
