import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { CERT_FILES, useEngine } from "./engine.js";
import { BadInputError } from "./errors.js";
import { IMAGE_DEFAULTS } from "./settings.js";

/**
 * One Docker engine of a topology split over several (`--engines`): how the harness reaches its API, and the address its
 * published ports bind to, which the harness and every other engine's containers dial.
 */
export interface Engine {
  /** As the user named it: `here` (this machine's engine) or tcp://host:port. */
  name: string;
  docker: Docker;
  publishOn: string;
  /** How a person reaches it with the docker CLI ("" for this machine's). */
  cliFlags: string;
  /** This machine's own engine: its containers' processes are this machine's (their /proc entries can be read). */
  local: boolean;
}

/** Which engine each node runs on: one after another over the list, or by name patterns (`sentinel-*=0,redis-*=1`). */
export type Placement = { kind: "round-robin" } | { kind: "map"; rules: Array<{ pattern: string; engine: number }> };

/** The engines of a split topology; the first also runs the fault layer (testcontainers drives it). */
export interface EngineSet {
  engines: Engine[];
  placement: Placement;
  /** The reaper started on every engine but the first (testcontainers starts its own there). */
  reaperImage: string;
}

export interface EngineFlags {
  engine?: string;
  engines?: string;
  engineCerts?: string;
  reachHereAt?: string;
  placement?: string;
}

const TCP = /^tcp:\/\/([^\s:/]+):(\d{1,5})$/;

/**
 * `--engines here,tcp://10.0.0.5:2376 --engine-certs DIR --reach-here-at 10.0.0.1 [--placement …]`: the engines a
 * topology is split over. Every engine must reach every other's published ports, so this machine's engine (`here`)
 * publishes on the address given by --reach-here-at (one of this machine's, which the others route to), not loopback;
 * a remote one is reached with TLS only, as --engine is. The first engine is the one testcontainers drives (the
 * settings it reads are set here, before any call to it); the others are driven through their API directly.
 * Without --engines, --engine alone (or nothing) keeps one engine and returns null.
 */
export function useEngines(o: EngineFlags, env: NodeJS.ProcessEnv = process.env): EngineSet | null {
  if (o.engines === undefined) {
    for (const [flag, v] of [
      ["--reach-here-at", o.reachHereAt],
      ["--placement", o.placement],
    ] as const)
      if (v !== undefined)
        throw new BadInputError(`${flag} goes with --engines, which is not given.`, `Add --engines here,tcp://host:2376, or leave ${flag} out.`);
    useEngine(o, env);
    return null;
  }
  if (o.engine !== undefined)
    throw new BadInputError("--engine and --engines both given.", "Give --engine for one remote engine, or --engines for a topology split over several.");
  const names = o.engines
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length < 2)
    throw new BadInputError(
      `--engines ${o.engines}: a split names at least two engines, comma-separated (here, or tcp://host:port).`,
      "For one remote engine, give --engine tcp://host:2376 instead.",
    );
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length) throw new BadInputError(`--engines names ${dupes[0]} twice.`, "Name each engine once.");
  for (const n of names)
    if (n !== "here" && !TCP.test(n))
      throw new BadInputError(`--engines: "${n}" is not an engine: give here (this machine's) or tcp://host:port.`, "e.g. --engines here,tcp://10.0.0.5:2376");
  const remote = names.filter((n) => n !== "here");
  if (remote.length && o.engineCerts === undefined)
    throw new BadInputError(
      `--engines: a remote engine is reached with TLS only: give --engine-certs <dir> (holding ${CERT_FILES.join(", ")}; one client certificate for every engine).`,
    );
  const here = names.includes("here") ? reachHereAt(o.reachHereAt) : undefined;
  if (!names.includes("here") && o.reachHereAt !== undefined)
    throw new BadInputError("--reach-here-at: no engine of --engines is here.", "Leave it out, or add here to --engines.");
  const tls = o.engineCerts === undefined ? undefined : readCerts(o.engineCerts);
  const engines = names.map((name): Engine => {
    if (name === "here") {
      const socketPath = /^unix:\/\//.test(env.DOCKER_HOST ?? "") ? env.DOCKER_HOST!.slice("unix://".length) : "/var/run/docker.sock";
      return { name, docker: new Docker({ socketPath }), publishOn: here!, cliFlags: "", local: true };
    }
    const [, host, port] = TCP.exec(name)!;
    return {
      name,
      docker: new Docker({ host, port: Number(port), protocol: "https", ...tls }),
      publishOn: host,
      cliFlags: `-H ${name} --tlsverify`,
      local: false,
    };
  });
  const placement = parsePlacement(o.placement ?? "round-robin", engines.length);
  // The first engine is testcontainers': its settings (DOCKER_HOST, the address ports bind to) are set for it, once
  // every flag has been read.
  // (testcontainers' own host setting stays loopback here: its reaper is published there, by the engine's --ip.)
  if (names[0] === "here") env.HARNESS_PUBLISH_ON = here;
  else useEngine({ engine: names[0], engineCerts: o.engineCerts }, env);
  return {
    engines,
    placement: parsePlacement(o.placement ?? "round-robin", engines.length),
    reaperImage: env.RYUK_CONTAINER_IMAGE || IMAGE_DEFAULTS.RYUK_CONTAINER_IMAGE,
  };
}

/** --reach-here-at: an address of one of this machine's interfaces, not loopback (the other engines could not reach it). */
function reachHereAt(v: string | undefined): string {
  const mine = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === "IPv4" && !i.internal)
    .map((i) => i!.address);
  if (v === undefined)
    throw new BadInputError(
      "--engines: this machine's engine (here) publishes its ports where the other engines reach it: give --reach-here-at <address>.",
      `One of this machine's addresses that the other engines route to${mine.length ? ` (it has ${mine.join(", ")})` : ""}.`,
    );
  if (!mine.includes(v))
    throw new BadInputError(
      `--reach-here-at ${v}: not an address of this machine${mine.length ? ` (it has ${mine.join(", ")})` : ""}.`,
      "Give one of this machine's own addresses that the other engines route to (never loopback).",
    );
  return v;
}

function readCerts(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const read = (f: string) => {
    try {
      return readFileSync(path.join(dir, f));
    } catch {
      throw new BadInputError(
        `--engine-certs ${dir}: ${f} cannot be read there.`,
        `The folder holds the CA and the client's certificate and key: ${CERT_FILES.join(", ")}.`,
      );
    }
  };
  return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
}

/** `round-robin`, or `pattern=engine,…` (a pattern names nodes, `*` any run of characters; engines counted from 0). */
export function parsePlacement(v: string, engines: number): Placement {
  if (v === "round-robin") return { kind: "round-robin" };
  const rules = v.split(",").map((item) => {
    const m = /^\s*([A-Za-z0-9*_-]+)\s*=\s*(\d+)\s*$/.exec(item);
    if (!m)
      throw new BadInputError(
        `--placement: "${item}" is not a rule: give round-robin, or node-pattern=engine pairs.`,
        "e.g. --placement 'sentinel-*=0,redis-*=1' (engines counted from 0 in the order --engines names them).",
      );
    const engine = Number(m[2]);
    if (engine >= engines) throw new BadInputError(`--placement ${item}: engine ${engine} is not among the ${engines} --engines names (0 to ${engines - 1}).`);
    return { pattern: m[1], engine };
  });
  return { kind: "map", rules };
}

/** The engine (its index) node number `i`, named `name`, runs on; bad input when a map places it nowhere. */
export function engineOf(p: Placement, name: string, i: number, engines: number): number {
  if (p.kind === "round-robin") return i % engines;
  const rule = p.rules.find((r) => new RegExp(`^${r.pattern.replace(/\*/g, ".*")}$`).test(name));
  if (!rule)
    throw new BadInputError(
      `--placement: no rule places ${name}.`,
      `Add one (e.g. ${name.replace(/-\d+$/, "-*")}=0); this topology's nodes are named redis-0, redis-1, … and sentinel-0, sentinel-1, ….`,
    );
  return rule.engine;
}
