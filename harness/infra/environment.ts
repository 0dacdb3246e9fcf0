import { engineIsLocal } from "./engine.js";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import type { ContainerRuntimeClient } from "testcontainers";

/** What HostFacts.engine.at says for this machine's own engine. */
export const LOCAL_ENGINE_AT = "this machine's engine";

/** Facts that change what a number means; every report records them (docs/design.md). */
export interface HostFacts {
  kernel: string;
  transparentHugePages: string;
  overcommitMemory: string;
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  dockerServerVersion: string;
  dockerOperatingSystem: string;
  /**
   * Whether published ports go through a docker-proxy process ("on", the engine's default) or the kernel ("off"), as
   * the local dockerd's command line and daemon.json say; "unknown" when the engine is not a local dockerd.
   */
  dockerUserlandProxy: "on" | "off" | "unknown";
  /**
   * The engine the containers ran on: this machine's (a unix socket) or one reached over TCP (`at`, the DOCKER_HOST);
   * its cores and memory, which are the containers' when the engine is on another machine.
   */
  engine: { at: string; cores: number; memoryBytes: number };
}

/** The local dockerd's --userland-proxy setting (its command line first, then /etc/docker/daemon.json). */
export function userlandProxy(): HostFacts["dockerUserlandProxy"] {
  const pid = readdirSafe("/proc").find((d) => /^\d+$/.test(d) && readSys(`/proc/${d}/comm`) === "dockerd");
  if (!pid) return "unknown";
  const flag = /--userland-proxy(?:=(\w+))?/.exec(readSys(`/proc/${pid}/cmdline`).replace(/\0/g, " "));
  if (flag) return flag[1] === "false" ? "off" : "on";
  try {
    return JSON.parse(readFileSync("/etc/docker/daemon.json", "utf8"))["userland-proxy"] === false ? "off" : "on";
  } catch {
    return "on";
  }
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function readSys(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "unknown";
  }
}

/** "always [madvise] never" -> "madvise": the bracketed word is the one in force. */
export function selectedSysValue(raw: string): string {
  return /\[([^\]]+)\]/.exec(raw)?.[1] ?? raw;
}

/** The host's transparent huge pages setting in force: always, madvise or never ("unknown" where it cannot be read). */
export const hostTransparentHugePages = () => selectedSysValue(readSys("/sys/kernel/mm/transparent_hugepage/enabled"));

export function hostFacts(runtime: ContainerRuntimeClient): HostFacts {
  const engine = runtime.info.containerRuntime;
  const remote = !engineIsLocal();
  return {
    kernel: `${os.type()} ${os.release()}`,
    transparentHugePages: hostTransparentHugePages(),
    overcommitMemory: readSys("/proc/sys/vm/overcommit_memory"),
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryBytes: os.totalmem(),
    node: process.version,
    dockerServerVersion: String(engine.serverVersion),
    dockerOperatingSystem: engine.operatingSystem,
    // Read from the local dockerd's command line: meaningless for an engine on another machine.
    dockerUserlandProxy: remote ? "unknown" : userlandProxy(),
    engine: { at: remote ? (process.env.DOCKER_HOST ?? "") : LOCAL_ENGINE_AT, cores: engine.cpus, memoryBytes: engine.memory },
  };
}

/** Warnings a reader should see next to the numbers (Redis prints the same ones in its log). */
export function hostWarnings(f: HostFacts): string[] {
  const w: string[] = [];
  if (f.overcommitMemory !== "1")
    w.push(`vm.overcommit_memory is ${f.overcommitMemory}: BGSAVE may fail under memory pressure (sysctl -w vm.overcommit_memory=1).`);
  if (f.transparentHugePages === "always")
    w.push("transparent huge pages are 'always': fork copy-on-write and latency get worse (Redis recommends madvise or never).");
  if (f.dockerUserlandProxy === "on")
    w.push(
      "the Docker engine forwards published ports through docker-proxy: a process in every connection that doubles the latency floor (start dockerd with --userland-proxy=false, as harness/infra/setup.sh does).",
    );
  return w;
}

/** MemTotal and MemAvailable from /proc/meminfo's text (null when absent or unreadable: not Linux). */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } | null {
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, "m").exec(text)?.[1] ?? NaN) * 1024;
  const totalBytes = kb("MemTotal");
  const availableBytes = kb("MemAvailable");
  return Number.isFinite(totalBytes) && Number.isFinite(availableBytes) ? { totalBytes, availableBytes } : null;
}

/** This host's memory now (null where /proc/meminfo cannot be read). */
export function hostMemory(read = () => readFileSync("/proc/meminfo", "utf8")): { totalBytes: number; availableBytes: number } | null {
  try {
    return parseMeminfo(read());
  } catch {
    return null;
  }
}
