import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { decodeLedgerChunk, type EncodedLedgerChunk } from "../measure/ledger.js";
import { decodeChunk, type EncodedChunk } from "../measure/op-log.js";
import { shellQuote, type SshHost } from "../topology/ssh-control.js";
import type { ShardSpec } from "./driver-threads.js";
import type { DriverEndpoint } from "./drivers.js";
import type { FromShard } from "./shard-runner.js";

/** Where a driver host finds Node.js and the harness: by default the same paths as here (a host sharing this one's files, or installed alike). */
export interface DriverInstall {
  node: string;
  harness: string;
}

export const LOCAL_INSTALL: DriverInstall = {
  node: process.execPath,
  harness: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."),
};

/** The command that starts a driver process (driver-process.ts) on a host with the harness installed at `install`. */
export function driverCommand(install: DriverInstall): string {
  const q = shellQuote;
  return `cd ${q(install.harness)} && exec ${q(install.node)} --import tsx --import ./harness/infra/preload.ts harness/workload/driver-process.ts`;
}

/**
 * A shard run as a process on another host, started over SSH: its spec on the first line of its stdin, what the run
 * tells it on the lines after, what it sends read back one JSON line at a time from its stdout (the op log's arrays
 * decoded). Its stderr's last lines say why, when it ends before it should.
 */
export async function sshEndpoint(host: SshHost, spec: ShardSpec, install: DriverInstall = LOCAL_INSTALL): Promise<DriverEndpoint> {
  const channel = await host.open(driverCommand(install));
  let handle: (m: FromShard) => void = () => {};
  let gone: (why: string) => void = () => {};
  const stderr: string[] = [];
  const said = (line: string) => {
    stderr.push(line);
    stderr.splice(0, stderr.length - 5);
  };
  channel.stderr.on("data", (d: Buffer) => d.toString().split("\n").filter(Boolean).forEach(said));
  createInterface({ input: channel }).on("line", (line) => {
    let m: FromShard | (Extract<FromShard, { type: "ops" }> & { chunk: EncodedChunk });
    try {
      m = JSON.parse(line);
    } catch {
      // Not the driver's (a login banner, a shell's echo): kept with its stderr, so an end it explains says it.
      return said(line);
    }
    if (m.type !== "ops") return handle(m as FromShard);
    const encoded = m as unknown as { chunk: EncodedChunk; writes?: EncodedLedgerChunk };
    handle({ ...m, chunk: decodeChunk(encoded.chunk), writes: encoded.writes && decodeLedgerChunk(encoded.writes) });
  });
  channel.on("close", (code: number | null) => gone(`exited (${code ?? "no code"})${stderr.length ? `: ${stderr.slice(-3).join(" | ")}` : ""}`));
  channel.write(`${JSON.stringify(spec)}\n`);
  return {
    label: `ssh ${host.label}`,
    send: (m) => channel.write(`${JSON.stringify(m)}\n`),
    onMessage: (h) => (handle = h),
    onGone: (h) => (gone = h),
    stop: async () => {
      channel.end();
      channel.close();
    },
  };
}
