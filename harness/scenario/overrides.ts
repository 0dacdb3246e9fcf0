import { BadInputError } from "../infra/errors.js";
import { parseDurationS } from "../infra/units.js";
import { parseSecurityLabel } from "../security/run-security.js";
import type { ScenarioInput } from "./schema.js";

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

type FlagKey = Exclude<keyof Overrides, "clientProfile" | "secure">;

/**
 * Each flag that sets scenario fields: its name, the fields whose problems are its doing ("*" is any fault), and what
 * to give it instead. A problem on those fields is told in the flag's words, not as the scenario file's.
 */
export const OVERRIDE_FLAGS: Record<FlagKey, { flag: string; fields: string[][]; hint: string }> = {
  duration: {
    flag: "--duration",
    fields: [
      ["workload", "duration"],
      ["workload", "warmup"],
      ["faults", "*", "at"],
      ["faults", "*", "for"],
    ],
    hint: "Give --duration 30s (a length: 500ms, 30s, 2m).",
  },
  rate: { flag: "--rate", fields: [["workload", "rate"]], hint: "Give --rate 2000 (operations a second, above 0)." },
  connections: {
    flag: "--connections",
    fields: [
      ["workload", "connections"],
      ["workload", "threads"],
    ],
    hint: "Give --connections 8 (a whole number from 1 to 1000).",
  },
  readRatio: { flag: "--read-ratio", fields: [["workload", "readRatio"]], hint: "Give --read-ratio 0.9 (the share of reads, from 0 to 1)." },
  dataset: {
    flag: "--dataset",
    fields: [
      ["dataset", "size"],
      ["workload", "keys"],
    ],
    hint: "Give --dataset 1gb (standalone, replication and Sentinel scenarios; a cluster takes none).",
  },
  image: { flag: "--image", fields: [["topology", "image"]], hint: "Give --image redis-chaos/redis:7.0." },
  at: {
    flag: "--at",
    fields: [
      ["faults", "*", "at"],
      ["faults", "*", "for"],
    ],
    hint: "Give --at 10s (inside the load, after its warm-up).",
  },
  driverThreads: {
    flag: "--driver-threads",
    fields: [["workload", "threads"]],
    hint: 'Leave --driver-threads out (auto runs on 1 thread where the load cannot be sharded), or give it to a scenario whose workload has engine "lean" and keys "random" (a file of your own, with --file).',
  },
  security: { flag: "--security", fields: [["security"]], hint: "Give --security acl+tls (none, password, acl, tls, password+tls or acl+tls)." },
};

/** The flag a problem at this path is the doing of, among those given, or undefined (the file's). */
export function flagOf(path: ReadonlyArray<PropertyKey>, given: Overrides): { flag: string; value: string; hint: string } | undefined {
  for (const [key, f] of Object.entries(OVERRIDE_FLAGS) as Array<[FlagKey, (typeof OVERRIDE_FLAGS)[FlagKey]]>) {
    // --secure sets what --security does, and takes no value.
    const secure = key === "security" && given.secure;
    const value = secure ? "" : given[key];
    if (value === undefined) continue;
    if (f.fields.some((field) => field.every((k, i) => k === "*" || k === path[i]))) return { flag: secure ? "--secure" : f.flag, value, hint: f.hint };
  }
  return undefined;
}

export function applyOverrides(input: ScenarioInput, o: Overrides): ScenarioInput {
  // A flag's value that is no number at all is told here; the schema judges the number (its range, whole or not).
  const num = (key: FlagKey, v: string) => {
    const n = v.trim() === "" ? Number.NaN : Number(v);
    if (!Number.isFinite(n)) throw new BadInputError(`${OVERRIDE_FLAGS[key].flag} ${v} is not a number.`, OVERRIDE_FLAGS[key].hint);
    return n;
  };
  const s = structuredClone(input) as any;
  s.workload ??= {};
  if (o.duration !== undefined) s.workload.duration = o.duration;
  if (o.rate !== undefined) s.workload.rate = num("rate", o.rate);
  if (o.connections !== undefined) s.workload.connections = num("connections", o.connections);
  if (o.readRatio !== undefined) s.workload.readRatio = num("readRatio", o.readRatio);
  if (o.dataset !== undefined) s.dataset = { ...(s.dataset ?? {}), size: o.dataset };
  if (o.image !== undefined) s.topology = { ...(s.topology ?? {}), image: o.image };
  if (o.at !== undefined) {
    try {
      parseDurationS(o.at);
    } catch (e) {
      throw new BadInputError(`--at ${o.at}: ${(e as Error).message}.`, OVERRIDE_FLAGS.at.hint);
    }
    for (const f of s.faults ?? []) f.at = o.at;
  }
  if (o.secure && o.security !== undefined)
    throw new BadInputError("--secure and --security both say how to secure the run.", "Give one: --secure is --security acl+tls.");
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
  if (o.driverThreads !== undefined) s.workload.threads = o.driverThreads === "auto" ? "auto" : num("driverThreads", o.driverThreads);
  return s;
}
