import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A real PostgreSQL server for a test, started from the machine's own binaries (initdb, pg_ctl on PATH, or Debian's
 * under /usr/lib/postgresql/<v>/bin; setup.sh --tests installs them), listening on 127.0.0.1 only, trusting local logins,
 * in a folder of its own that `stop` removes. PostgreSQL refuses to run as root: CI runs as root, so there the server
 * runs as `nobody`.
 */
export interface TestPostgres {
  url: string;
  stop(): void;
}

function binary(name: string): string {
  const onPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (onPath) return onPath;
  const debian = "/usr/lib/postgresql";
  for (const v of existsSync(debian) ? readdirSync(debian).sort().reverse() : []) {
    const p = path.join(debian, v, "bin", name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} (PostgreSQL's server binaries) is not on this machine: run bash harness/infra/setup.sh --tests`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), "harness-pg-"));
  const asRoot = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (asRoot ? ["runuser", ["-u", "nobody", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (asRoot) chownSync(dir, Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim()), 0);
  const data = path.join(dir, "data");
  execFileSync(...as(binary("initdb"), ["-D", data, "-A", "trust", "-U", "harness", "--no-sync"]), { stdio: "ignore" });
  const port = await freePort();
  execFileSync(
    ...as(binary("pg_ctl"), ["-D", data, "-o", `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`, "-l", path.join(dir, "log"), "-w", "start"]),
    { stdio: "ignore" },
  );
  return {
    url: `postgres://harness@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        execFileSync(...as(binary("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]), { stdio: "ignore" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
