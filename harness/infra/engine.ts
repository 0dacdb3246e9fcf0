import { existsSync } from "node:fs";
import path from "node:path";
import { BadInputError } from "./errors.js";

/**
 * Where the published ports of the run's Docker engine are reached, and bound: 127.0.0.1 for the machine's own engine
 * (a unix socket), the engine's own address for one reached over TCP (DOCKER_HOST=tcp://host:port), the address given
 * by --reach-here-at in a split over several engines (infra/engines.ts). Nothing of the harness assumes loopback beyond this.
 */
export function publishedHost(env: NodeJS.ProcessEnv = process.env): string {
  // Set by --engines where this machine's engine is one of several: the address the others reach it at.
  if (env.HARNESS_PUBLISH_ON) return env.HARNESS_PUBLISH_ON;
  const h = env.DOCKER_HOST ?? "";
  return /^tcp:\/\//.test(h) ? new URL(h.replace(/^tcp:/, "http:")).hostname : "127.0.0.1";
}

/** The engine testcontainers drives is this machine's (reached over a unix socket, not DOCKER_HOST=tcp://…). */
export const engineIsLocal = (env: NodeJS.ProcessEnv = process.env): boolean => !/^tcp:/.test(env.DOCKER_HOST ?? "");

/** The files a TLS client of a Docker engine reads from DOCKER_CERT_PATH. */
export const CERT_FILES = ["ca.pem", "cert.pem", "key.pem"];

/**
 * `--engine tcp://host:2376 --engine-certs <dir>`: a remote Docker engine, reached with TLS (never a bare TCP port,
 * which would hand the engine to anyone on the network), set as testcontainers and dockerode read it (DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) and its published ports reached at its address. Must run before the first call
 * to the engine.
 */
export function useEngine(o: { engine?: string; engineCerts?: string }, env: NodeJS.ProcessEnv = process.env): void {
  if (o.engine === undefined) {
    if (o.engineCerts !== undefined)
      throw new BadInputError("--engine-certs goes with --engine, which is not given.", "Add --engine tcp://host:2376, or leave --engine-certs out.");
    return;
  }
  const m = /^tcp:\/\/([^\s:/]+):(\d{1,5})$/.exec(o.engine);
  if (!m)
    throw new BadInputError(
      `--engine ${o.engine}: a remote Docker engine is named tcp://host:port (e.g. tcp://10.0.0.5:2376).`,
      "Give the engine's TCP address; the machine's own engine needs no --engine.",
    );
  if (o.engineCerts === undefined)
    throw new BadInputError(
      `--engine ${o.engine}: a remote engine is reached with TLS only: give --engine-certs <dir> (holding ${CERT_FILES.join(", ")}).`,
      "Make the engine listen with --tlsverify and give the client's certificate folder (as DOCKER_CERT_PATH).",
    );
  const missing = CERT_FILES.filter((f) => !existsSync(path.join(o.engineCerts!, f)));
  if (missing.length)
    throw new BadInputError(
      `--engine-certs ${o.engineCerts}: ${missing.join(", ")} missing there.`,
      `The folder holds the CA and the client's certificate and key: ${CERT_FILES.join(", ")}.`,
    );
  Object.assign(env, { DOCKER_HOST: o.engine, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: path.resolve(o.engineCerts), TESTCONTAINERS_HOST_OVERRIDE: m[1] });
}
