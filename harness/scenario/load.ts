import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { BadInputError } from "../infra/errors.js";
import { didYouMeanText } from "../infra/suggest.js";
import { describeIssue, fieldPath } from "./issue-words.js";
import { applyOverrides, flagOf, type Overrides } from "./overrides.js";
import { scenarioSchema, type Scenario, type ScenarioInput } from "./schema.js";

export const SUITES_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../suites");

export interface ScenarioSource {
  file: string;
  input: ScenarioInput;
}

/** Scenario files are JSON or YAML, told apart by their extension; the same schema validates both. */
const SCENARIO_FILE = /\.(json|ya?ml)$/i;
const suiteName = (file: string) => path.basename(file).replace(SCENARIO_FILE, "");

/** A scenario file's contents, parsed as JSON or YAML by its extension; a syntax error names the file and where. */
export function parseScenarioText(file: string, text: string): unknown {
  const yaml = /\.ya?ml$/i.test(file);
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new BadInputError(`${file} is not valid ${yaml ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`, "Fix the file's syntax.");
  }
}

/** Every scenario in every suites/*.json and suites/*.yaml file (each file holds an array of scenarios). */
export function readScenarioSources(dir = SUITES_DIR): ScenarioSource[] {
  const out: ScenarioSource[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => SCENARIO_FILE.test(n))
    .sort()) {
    const file = path.join(dir, f);
    const parsed = parseScenarioText(file, readFileSync(file, "utf8"));
    if (!Array.isArray(parsed)) throw new BadInputError(`${file} must hold a list of scenarios.`, "A suite file is a list; each item is one scenario.");
    parsed.forEach((input, i) => out.push({ file, input: asScenarioInput(input, `Item ${i + 1} of ${file}`) }));
  }
  return out;
}

/**
 * Validates one scenario. A problem on a field a flag set is told as the flag's ("--rate -5: must be more than 0"),
 * without the file, which is not at fault; any other names the file, the scenario and the field.
 */
export function validateScenario(input: unknown, origin: string, given: Overrides = {}): Scenario {
  const r = scenarioSchema.safeParse(input, { reportInput: true });
  if (r.success) return r.data;
  const flagLines: string[] = [];
  const hints = new Set<string>();
  const fileLines: string[] = [];
  for (const issue of r.error.issues) {
    const words = describeIssue(issue, scenarioSchema);
    const flag = flagOf(issue.path, given);
    if (flag) {
      flagLines.push(`${flag.flag}${flag.value ? ` ${flag.value}` : ""}: ${issue.code === "custom" ? words : `${fieldPath(issue.path)} ${words}`}`);
      hints.add(flag.hint);
    } else fileLines.push(`  - ${fieldPath(issue.path) || "(the scenario)"}: ${words}`);
  }
  const name = (input as { name?: unknown })?.name;
  if (fileLines.length === 0) throw new BadInputError(flagLines.join("\n"), [...hints].join(" "));
  throw new BadInputError(
    [`Scenario ${typeof name === "string" ? `"${name}" ` : ""}in ${origin} is invalid:`, ...fileLines, ...flagLines.map((l) => `  - ${l}`)].join("\n"),
    [`Fix those fields in ${origin} (docs/scenarios.md lists every field).`, ...hints].join(" "),
  );
}

/** What a scenario file's contents must be before the schema can say more: a mapping, not nothing, a number or text. */
function asScenarioInput(parsed: unknown, where: string): ScenarioInput {
  if (parsed === null || parsed === undefined)
    throw new BadInputError(
      `${where} is empty.`,
      "A scenario file holds one scenario: name, topology, workload (and faults, budgets). docs/scenarios.md has an example to start from.",
    );
  if (typeof parsed !== "object" || Array.isArray(parsed))
    throw new BadInputError(
      `${where} holds ${Array.isArray(parsed) ? "a list" : `${typeof parsed} ${JSON.stringify(parsed)}`} where a scenario belongs.`,
      "A scenario is a mapping of fields: name, topology, workload (and faults, budgets). docs/scenarios.md has an example to start from.",
    );
  return parsed as ScenarioInput;
}

/** One scenario's overrides: --at on a scenario with no fault would be silently ignored (a suite's faultless ones skip it). */
function applyOne(input: ScenarioInput, o: Overrides): ScenarioInput {
  if (o.at !== undefined && !(input.faults ?? []).length)
    throw new BadInputError(
      `--at ${o.at} sets when faults are injected, and scenario "${input.name}" has none.`,
      "Leave --at out, or run a scenario with faults.",
    );
  return applyOverrides(input, o);
}

/** Looks a scenario up by name across the suites, applies overrides, validates. */
export function loadScenario(name: string, overrides: Overrides = {}, dir = SUITES_DIR): Scenario {
  const sources = readScenarioSources(dir);
  const found = sources.find((s) => s.input?.name === name);
  if (!found) {
    const names = sources.map((s) => String(s.input.name));
    throw new BadInputError(
      `No scenario named "${name}".${didYouMeanText(name, names)}`,
      "`npm run harness -- list` lists them, each with what it shows; a file of your own runs with --file.",
    );
  }
  return validateScenario(applyOne(found.input, overrides), path.relative(process.cwd(), found.file), overrides);
}

/** Loads a scenario from a file of the user's (JSON or YAML: one scenario, or a list holding exactly one). */
export function loadScenarioFile(file: string, overrides: Overrides = {}): Scenario {
  if (!SCENARIO_FILE.test(file))
    throw new BadInputError(
      `--file ${file}: a scenario file's name ends in .json, .yaml or .yml (that is how it is read).`,
      "Rename the file, or give the scenario file's path.",
    );
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "there is no such file" : err.code === "EISDIR" ? "it is a folder" : err.message;
    throw new BadInputError(`--file ${file}: cannot read it: ${why}.`, "Give the path of a JSON or YAML scenario file.");
  }
  let parsed = parseScenarioText(file, text);
  if (Array.isArray(parsed)) {
    if (parsed.length !== 1)
      throw new BadInputError(
        `${file} holds ${parsed.length} scenarios where --file runs one.`,
        parsed.length ? "Keep one scenario in the file (or put the file in suites/ and run them with `suite <name>`)." : "Put one scenario in the file.",
      );
    parsed = parsed[0];
  }
  return validateScenario(applyOne(asScenarioInput(parsed, file), overrides), file, overrides);
}

/** The scenarios of suites/<name>.json, in file order, with overrides applied, each validated. */
export function loadSuite(name: string, overrides: Overrides = {}, dir = SUITES_DIR): Scenario[] {
  const sources = readScenarioSources(dir);
  const mine = sources.filter((s) => suiteName(s.file) === name);
  if (!mine.length) {
    const suites = [...new Set(sources.map((s) => suiteName(s.file)))];
    throw new BadInputError(`No suite named "${name}".${didYouMeanText(name, suites)}`, `Suites: ${suites.join(", ")} (the files in suites/).`);
  }
  return mine.map((s) => validateScenario(applyOverrides(s.input, overrides), path.relative(process.cwd(), s.file), overrides));
}
