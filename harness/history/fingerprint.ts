import { createHash } from "node:crypto";
import { LOCAL_ENGINE_AT, type HostFacts } from "../infra/environment.js";

/**
 * What makes two nights' numbers comparable: the machine the load ran on and the engine the containers ran on. A
 * baseline is only meaningful on the same hardware (redis-benchmarks-specification keys by its testbed), so every
 * series of the store is kept per fingerprint. Memory is counted in whole GiB: a kernel's reserved pages move the byte
 * count between boots of the same machine. The image and the security level are kept beside it (they are what a
 * nightly tests, not where it ran).
 */
export interface EnvironmentParts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  transparentHugePages: string;
  overcommitMemory: string;
  engine: { at: string; cores: number; memoryGiB: number };
}

export interface Fingerprint {
  /** 12 hex digits of a SHA-256 over the parts: the key a series is kept under. */
  id: string;
  parts: EnvironmentParts | null;
}

/** 12 hex digits of a SHA-256 over a value's JSON: a short key that tells values apart. */
export const hash12 = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 12);

const gib = (bytes: number) => Math.round(bytes / 2 ** 30);

export function environmentFingerprint(host: HostFacts | null): Fingerprint {
  if (!host) return { id: "unknown", parts: null };
  const parts: EnvironmentParts = {
    cpuModel: host.cpuModel,
    cores: host.cores,
    memoryGiB: gib(host.memoryBytes),
    kernel: host.kernel,
    transparentHugePages: host.transparentHugePages,
    overcommitMemory: host.overcommitMemory,
    engine: { at: host.engine.at, cores: host.engine.cores, memoryGiB: gib(host.engine.memoryBytes) },
  };
  return { id: hash12(parts), parts };
}

/** "8 × Intel Xeon … · 16 GiB · 6.1.0-…": a fingerprint as a person reads it. */
export function describeEnvironment(p: EnvironmentParts | null): string {
  if (!p) return "unknown machine";
  const engine = p.engine.at === LOCAL_ENGINE_AT ? "" : ` · engine ${p.engine.at} (${p.engine.cores} cores, ${p.engine.memoryGiB} GiB)`;
  return `${p.cores} × ${p.cpuModel} · ${p.memoryGiB} GiB · kernel ${p.kernel}${engine}`;
}
