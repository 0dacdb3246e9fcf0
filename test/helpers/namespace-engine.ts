import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const SCRIPT = path.resolve(import.meta.dirname, "../hosts/engine.sh");

/** What test/hosts/engine.sh prints: a second Docker engine in a network namespace of its own, reached over TCP with TLS. */
export interface NamespaceEngine {
  dir: string;
  host: string;
  dockerHost: string;
  certPath: string;
  /** Its unix socket: on this machine's filesystem, which a real remote engine's would not be. */
  socket: string;
  images: string[];
}

/** Starts the engine (its own address, data root, exec root and certificates from a CA of its own) with these images loaded from this machine's engine. */
export function upEngine(id: number, images: string[]): NamespaceEngine {
  const dir = mkdtempSync(path.join(tmpdir(), "rc-engine-"));
  const out = execFileSync("bash", [SCRIPT, "up", dir, String(id), ...images], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return { dir, ...(JSON.parse(out.trim().split("\n").pop()!) as Omit<NamespaceEngine, "dir">) };
}

/** Removes the engine, its containers, namespace, bridge and rules, and its folder. */
export function downEngine(e: NamespaceEngine | undefined): void {
  if (!e) return;
  execFileSync("bash", [SCRIPT, "down", e.dir], { stdio: "ignore" });
  rmSync(e.dir, { recursive: true, force: true });
}
