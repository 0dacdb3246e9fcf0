import { publishedHost } from "./engine.js";
import type { EngineSet } from "./engines.js";
import { BadInputError } from "./errors.js";
import { parseSize } from "./units.js";
/**
 * Every setting read from the environment, in one place (docs/settings.md lists them).
 * Image names are settings so that a machine that reaches a registry can run `redis:7.2` and the public
 * Toxiproxy image instead of the locally built ones.
 */
export const IMAGE_DEFAULTS = {
  REDIS_IMAGE: "redis-chaos/redis:7.0",
  TOXIPROXY_IMAGE: "redis-chaos/toxiproxy:2.12.0",
  RYUK_CONTAINER_IMAGE: "redis-chaos/ryuk:local",
} as const;

export interface Settings {
  redisImage: string;
  toxiproxyImage: string;
  ryukImage: string;
  reportsDir: string;
  /**
   * HARNESS_MEMORY_FLOOR ("2gb"): when the host's available memory falls below it during a run, the run stops (report
   * written, status aborted, containers removed, exit 3). Unset: 5% of the host's memory, at least 512 MiB.
   */
  memoryFloorBytes: number | null;
  /**
   * What an inconclusive verdict exits with (HARNESS_INCONCLUSIVE or --inconclusive): "pass" (0, the default: a breach
   * within the instrument's own floor is the machine's as likely as Redis's, and a CI that fails on it fails at random)
   * or "fail" (1: a CI that wants every such run looked at).
   */
  inconclusive: InconclusiveAs;
  /** HARNESS_PULL: whether an image not on the engine is pulled: auto (where the engine has a registry mirror), always, never. */
  pull: PullPolicy;
  /** The engines a topology is split over (--engines: infra/engines.ts); null: one engine. */
  engines: EngineSet | null;
  /**
   * HARNESS_STORE: where runs are recorded for history (history/results-store.ts): a file (SQLite), postgres://user@host/db
   * (the password from PGPASSWORD), or "off"; null: reports/history.sqlite.
   */
  store: string | null;
  /** HARNESS_LABEL: what the system under test is called in the history (a commit, a config name); null: nothing. */
  label: string | null;
}

/** Whether an image that is not on the engine may be pulled (HARNESS_PULL): where a mirror is set, always, or never. */
export const PULL_POLICIES = ["auto", "always", "never"] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export const INCONCLUSIVE_AS = ["pass", "fail"] as const;
export type InconclusiveAs = (typeof INCONCLUSIVE_AS)[number];

/** "pass" or "fail", or bad input naming where the value came from. */
export function inconclusiveAs(value: string, from: string): InconclusiveAs {
  if ((INCONCLUSIVE_AS as readonly string[]).includes(value)) return value as InconclusiveAs;
  // A flag is followed by a space ("--inconclusive fail"), a setting by "=" ("HARNESS_INCONCLUSIVE=fail").
  const as = (v: string) => (from.endsWith("=") ? `${from}${v}` : `${from} ${v}`);
  throw new BadInputError(
    `${as(value)} is neither pass nor fail.`,
    `Say what an inconclusive verdict exits with: ${as("pass")} (0, the default) or ${as("fail")} (1).`,
  );
}

function pullPolicy(value: string): PullPolicy {
  if ((PULL_POLICIES as readonly string[]).includes(value)) return value as PullPolicy;
  throw new BadInputError(
    `HARNESS_PULL=${value} is not a pull policy.`,
    "Set HARNESS_PULL to auto (pull where the engine has a registry mirror), always or never, or unset it.",
  );
}

function sizeSetting(name: string, value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new BadInputError(`${name}=${value}: ${(err as Error).message}.`, `Set ${name} to a size such as 2gb, or unset it.`);
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    redisImage: env.REDIS_IMAGE || IMAGE_DEFAULTS.REDIS_IMAGE,
    toxiproxyImage: env.TOXIPROXY_IMAGE || IMAGE_DEFAULTS.TOXIPROXY_IMAGE,
    ryukImage: env.RYUK_CONTAINER_IMAGE || IMAGE_DEFAULTS.RYUK_CONTAINER_IMAGE,
    reportsDir: env.REPORTS_DIR || "reports",
    memoryFloorBytes: env.HARNESS_MEMORY_FLOOR ? sizeSetting("HARNESS_MEMORY_FLOOR", env.HARNESS_MEMORY_FLOOR) : null,
    inconclusive: env.HARNESS_INCONCLUSIVE ? inconclusiveAs(env.HARNESS_INCONCLUSIVE, "HARNESS_INCONCLUSIVE=") : "pass",
    pull: env.HARNESS_PULL ? pullPolicy(env.HARNESS_PULL) : "auto",
    engines: null,
    store: env.HARNESS_STORE || null,
    label: env.HARNESS_LABEL || null,
  };
}

/**
 * testcontainers reads RYUK_CONTAINER_IMAGE when its module loads, so this must run before the first import of it.
 * (cli.ts imports harness/infra/preload.ts first; every test process gets it from ava's nodeArguments in package.json.)
 */
export function exportTestcontainersEnv(env: NodeJS.ProcessEnv = process.env): void {
  env.RYUK_CONTAINER_IMAGE ||= IMAGE_DEFAULTS.RYUK_CONTAINER_IMAGE;
  // Every published port binds to one address (loopback, or a remote engine's own: infra/engine.ts), so that is where to
  // reach them. Left alone, testcontainers may pick the Docker bridge's gateway address instead (it did on these machines).
  env.TESTCONTAINERS_HOST_OVERRIDE ||= publishedHost(env);
  // The harness prints its own progress; testcontainers' own debug log stays opt-in via DEBUG=testcontainers*.
}
