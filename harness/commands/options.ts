import { Option, type Command } from "commander";
import { useEngines, type EngineFlags } from "../infra/engines.js";
import { BadInputError } from "../infra/errors.js";
import { inconclusiveAs, loadSettings, type Settings } from "../infra/settings.js";
import { parseDurationS } from "../infra/units.js";
import type { Overrides } from "../scenario/overrides.js";

/** The options that replace a scenario's own values (run, suite, tour, matrix). */
export function withOverrides(cmd: Command, image = true): Command {
  cmd
    .option("--duration <30s>", "length of the load")
    .option("--rate <ops/s>", "open-loop rate")
    .option("--dataset <1gb>", "dataset preloaded before the load (every standalone, replication and Sentinel scenario; a cluster takes none)")
    .option("--connections <n>", "client connections")
    .option("--read-ratio <0..1>", "fraction of reads")
    .option("--at <10s>", "when faults are injected")
    .option("--driver-threads <n|auto>", "threads the lean engine's load is sharded over (default auto: cores minus one where it applies)")
    .option("--secure", "secured topologies, as production runs them: ACL users (the default user off) and TLS on every link (same as --security acl+tls)")
    .option(
      "--security <acl+tls>",
      "how topologies are secured: none, password, acl, tls, password+tls or acl+tls (secrets are made per run; HARNESS_REDIS_PASSWORD gives the application's)",
    );
  if (image) cmd.option("--image <name>", "Redis image (default: REDIS_IMAGE or redis-chaos/redis:7.0)");
  cmd
    .option("--engine <tcp://host:2376>", "a remote Docker engine to run the containers on, reached with TLS (default: this machine's; or DOCKER_HOST)")
    .option("--engine-certs <dir>", "with --engine or --engines: the folder holding ca.pem, cert.pem and key.pem (as DOCKER_CERT_PATH)")
    .option("--engines <here,tcp://host:2376>", "a topology split over several Docker engines (the first also runs the fault layer); here is this machine's")
    .option("--reach-here-at <address>", "with --engines naming here: this machine's address the other engines reach (its containers' ports bind there)")
    .option("--placement <round-robin|map>", "with --engines: which engine each node runs on: round-robin (default) or 'sentinel-*=0,redis-*=1'");
  cmd.option(
    "--inconclusive <pass|fail>",
    "what a verdict that broke a budget only within the instrument's own floor exits with: pass (0, the default, or HARNESS_INCONCLUSIVE) or fail (1)",
  );
  return cmd.option("--quiet", "no progress lines");
}

/**
 * The settings from the environment, with what the command's flags say over them (--inconclusive), and the engine the
 * containers run on (--engine) set before anything calls it.
 */
export function settingsOf(o: { inconclusive?: string } & EngineFlags): Settings {
  const engines = useEngines(o);
  const s = { ...loadSettings(), engines };
  return o.inconclusive === undefined ? s : { ...s, inconclusive: inconclusiveAs(o.inconclusive, "--inconclusive") };
}

export const repeatsOption = (dflt: string) => new Option("--repeats <n>", "runs of each scenario").default(dflt);

/** The flags withOverrides adds, as commander hands them over. */
export type OverrideFlags = Overrides & { quiet?: boolean; inconclusive?: string } & EngineFlags;

const OVERRIDES = [
  "duration",
  "rate",
  "dataset",
  "image",
  "connections",
  "readRatio",
  "at",
  "driverThreads",
  "secure",
  "security",
] as const satisfies ReadonlyArray<keyof Overrides>;

/** The scenario overrides among a command's flags. */
export const overridesOf = (o: OverrideFlags): Overrides => Object.fromEntries(OVERRIDES.map((k) => [k, o[k]])) as Overrides;

export function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new BadInputError(`--${flag} ${v} is not a whole number of at least 1.`);
  return n;
}

/** A comma-separated list, each item parsed, or bad input naming the flag and the item. */
export function listOf<T>(flag: string, value: string, parse: (s: string) => T): T[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new BadInputError(`--${flag} is empty.`, `Give a value, e.g. --${flag} ${flag === "sizes" ? "0.5gb,1gb,2gb" : "1000,10000"}`);
  return items.map((item) => {
    try {
      return parse(item);
    } catch (err) {
      throw new BadInputError(`--${flag}: "${item}" is not valid: ${(err as Error).message}`);
    }
  });
}

/** A comma-separated list of some of `choices`, each once, in the order given; anything else is bad input naming it. */
export function choicesOf<T extends string>(flag: string, value: string, choices: readonly T[]): T[] {
  const picked = listOf(flag, value, (v) => {
    if (!(choices as readonly string[]).includes(v)) throw new Error(`the choices are ${choices.join(", ")}`);
    return v as T;
  });
  return [...new Set(picked)];
}

/** One value parsed, or bad input naming the flag. */
export function one<T>(flag: string, value: string, parse: (s: string) => T): T {
  const items = listOf(flag, value, parse);
  if (items.length > 1) throw new BadInputError(`--${flag} takes one value, not ${items.length}.`);
  return items[0];
}

/** A rate: a positive number of operations a second. */
export function rate(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new Error("a rate is a positive number of operations a second");
  return n;
}

/** A share between 0 and 1 (a read ratio). */
export function share(s: string): number {
  const n = Number(s);
  if (!(n >= 0 && n <= 1)) throw new Error("a share is a number between 0 and 1");
  return n;
}

/** A duration in ms: "2ms", "10s", "0"; a bare number is ms. */
export function milliseconds(s: string): number {
  const v = parseDurationS(/^\s*[\d.]+\s*$/.test(s) ? `${s}ms` : s) * 1000;
  if (!(v >= 0)) throw new Error("a duration like 2ms or 10s");
  return v;
}

/** What an action hands back: the process's exit code. */
export type Action = Promise<number>;
