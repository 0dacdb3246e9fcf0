import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { BadInputError } from "../infra/errors.js";
import { parseDurationS } from "../infra/units.js";
import { parseSecurityLabel } from "../security/run-security.js";
import { scenarioSchema, type Scenario, type ScenarioInput } from "./schema.js";

export const SUITES_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../suites");

export interface ScenarioSource {
  file: string;
  input: ScenarioInput;
}

/** Values from the command line that replace the scenario's own before validation. */
export interface Overrides {
  duration?: string;
  rate?: string;
  dataset?: string;
  image?: string;
  connections?: string;
  readRatio?: string;
  at?: string;
  driverThreads?: string;
  /** --secure: ACL users and TLS on every server and Sentinel (acl+tls). */
  secure?: boolean;
  /** --security <label>: none, password, acl, tls, password+tls, acl+tls. */
  security?: string;
  /** --clients: one run per profile (client-profiles.ts), with the profile's library and settings, named <scenario>-<profile>. */
  clientProfile?: { name: string; engine: string; explicit: object };
}

function formatIssues(err: z.ZodError): string {
  return err.issues.map((i) => `  - ${i.path.join(".") || "(scenario)"}: ${i.message}`).join("\n");
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
  for (const f of readdirSync(dir).filter((n) => SCENARIO_FILE.test(n)).sort()) {
    const file = path.join(dir, f);
    const parsed = parseScenarioText(file, readFileSync(file, "utf8"));
    if (!Array.isArray(parsed)) throw new BadInputError(`${file} must hold an array (a list) of scenarios.`);
    for (const input of parsed) out.push({ file, input: input as ScenarioInput });
  }
  return out;
}

/** Validates one scenario; the error names the file, the scenario and every field that is wrong. */
export function validateScenario(input: unknown, origin: string): Scenario {
  const r = scenarioSchema.safeParse(input);
  if (r.success) return r.data;
  const name = (input as { name?: unknown })?.name;
  throw new BadInputError(
    `Scenario ${typeof name === "string" ? `"${name}" ` : ""}in ${origin} is invalid:\n${formatIssues(r.error)}`,
    "Fix those fields (docs/scenarios.md lists every scenario field) or the command-line override that set them.",
  );
}

export function applyOverrides(input: ScenarioInput, o: Overrides): ScenarioInput {
  const num = (flag: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new BadInputError(`--${flag} ${v} is not a number.`);
    return n;
  };
  const s = structuredClone(input) as any;
  s.workload ??= {};
  if (o.duration !== undefined) s.workload.duration = o.duration;
  if (o.rate !== undefined) s.workload.rate = num("rate", o.rate);
  if (o.connections !== undefined) s.workload.connections = num("connections", o.connections);
  if (o.readRatio !== undefined) s.workload.readRatio = num("read-ratio", o.readRatio);
  if (o.dataset !== undefined) s.dataset = { ...(s.dataset ?? {}), size: o.dataset };
  if (o.image !== undefined) s.topology = { ...(s.topology ?? {}), image: o.image };
  if (o.at !== undefined) {
    try {
      parseDurationS(o.at);
    } catch (e) {
      throw new BadInputError(`--at ${o.at}: ${(e as Error).message}.`);
    }
    for (const f of s.faults ?? []) f.at = o.at;
  }
  if (o.secure && o.security !== undefined) throw new BadInputError("--secure and --security both say how to secure the run.", "Give one: --secure is --security acl+tls.");
  const security = o.secure ? "acl+tls" : o.security;
  if (security !== undefined) {
    const spec = parseSecurityLabel(security);
    if (!spec) throw new BadInputError(`--security ${security} is not a way to secure a run.`, "Use none, password, acl, tls, password+tls or acl+tls.");
    s.security = spec;
  }
  if (o.clientProfile) {
    // The profile's settings replace the scenario's own, so that every profile of a matrix is what its name says.
    s.name = `${s.name}-${o.clientProfile.name}`;
    s.workload.engine = o.clientProfile.engine;
    s.client = { ...o.clientProfile.explicit };
    s.clientProfile = o.clientProfile.name;
  }
  if (o.driverThreads !== undefined) s.workload.threads = o.driverThreads === "auto" ? "auto" : num("driver-threads", o.driverThreads);
  return s;
}

/** One scenario's overrides: --at on a scenario with no fault would be silently ignored (a suite's faultless ones skip it). */
function applyOne(input: ScenarioInput, o: Overrides): ScenarioInput {
  if (o.at !== undefined && !(input.faults ?? []).length)
    throw new BadInputError(`--at ${o.at} sets when faults are injected, and scenario "${input.name}" has none.`, "Leave --at out, or run a scenario with faults.");
  return applyOverrides(input, o);
}

/** Looks a scenario up by name across the suites, applies overrides, validates. */
export function loadScenario(name: string, overrides: Overrides = {}, dir = SUITES_DIR): Scenario {
  const sources = readScenarioSources(dir);
  const found = sources.find((s) => s.input?.name === name);
  if (!found) {
    throw new BadInputError(
      `No scenario named "${name}".`,
      `Known scenarios: ${sources.map((s) => s.input?.name).join(", ")}. List them with \`npm run harness -- list\`.`,
    );
  }
  return validateScenario(applyOne(found.input, overrides), path.relative(process.cwd(), found.file));
}

/** Loads a scenario from a file of the user's (JSON or YAML: one scenario, or a list holding exactly one). */
export function loadScenarioFile(file: string, overrides: Overrides = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new BadInputError(`Cannot read scenario file ${file}: ${(e as Error).message}`, "Give the path of a JSON or YAML scenario file.");
  }
  let parsed = parseScenarioText(file, text);
  if (Array.isArray(parsed)) {
    if (parsed.length !== 1) throw new BadInputError(`${file} holds ${parsed.length} scenarios; run one at a time by name.`);
    parsed = parsed[0];
  }
  return validateScenario(applyOne(parsed as ScenarioInput, overrides), file);
}

/** The scenarios of suites/<name>.json, in file order, with overrides applied, each validated. */
export function loadSuite(name: string, overrides: Overrides = {}, dir = SUITES_DIR): Scenario[] {
  const sources = readScenarioSources(dir);
  const mine = sources.filter((s) => suiteName(s.file) === name);
  if (!mine.length) {
    const suites = [...new Set(sources.map((s) => suiteName(s.file)))];
    throw new BadInputError(`No suite named "${name}".`, `Suites: ${suites.join(", ")} (the files in suites/).`);
  }
  return mine.map((s) => validateScenario(applyOverrides(s.input, overrides), path.relative(process.cwd(), s.file)));
}
