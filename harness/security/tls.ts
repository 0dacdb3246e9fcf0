import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A PEM certificate and its private key. */
export interface CertPair {
  cert: string;
  key: string;
}

/**
 * One run's TLS material, made by openssl for the run and held in memory: a CA (its key is thrown away once it has
 * signed), the servers' certificate (Redis, Sentinel; also presented when they connect to each other) and the
 * harness's client certificate (Redis requires one: tls-auth-clients defaults to yes).
 */
export interface TlsMaterial {
  ca: string;
  server: CertPair;
  client: CertPair;
}

/** Where a container finds them (copied in, like the auth file). */
export const TLS_DIR = "/etc/redis-chaos/tls";
export const TLS_FILES = { ca: `${TLS_DIR}/ca.crt`, cert: `${TLS_DIR}/server.crt`, key: `${TLS_DIR}/server.key` } as const;

/** What Node's tls.connect needs to verify a server (its CA, and its name or address) and present the client's certificate. */
export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

const CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

/**
 * Makes the run's CA and certificates with openssl. The servers' certificate names `names` (host names on the project's
 * network) and `ips` (127.0.0.1, where every client of the harness connects, and the fault layer's address, which
 * cluster nodes announce): a client verifies the server it reached by the address it dialled.
 */
export async function makeTlsMaterial(names: string[], ips: string[]): Promise<TlsMaterial> {
  const dir = await mkdtemp(path.join(tmpdir(), "redis-chaos-tls-"));
  const at = (f: string) => path.join(dir, f);
  const openssl = (args: string[]) =>
    run("openssl", args, { cwd: dir }).catch((e: Error & { stderr?: string }) => {
      throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split("\n").slice(-2).join(" | ")}`);
    });
  try {
    await openssl(["req", "-x509", ...CURVE, "-nodes", "-keyout", at("ca.key"), "-out", at("ca.crt"), "-days", "2", "-subj", "/CN=redis-chaos run CA"]);
    const issue = async (who: string, ext: string[]) => {
      await writeFile(at(`${who}.ext`), `${ext.join("\n")}\n`);
      await openssl(["req", "-new", ...CURVE, "-nodes", "-keyout", at(`${who}.key`), "-out", at(`${who}.csr`), "-subj", `/CN=redis-chaos ${who}`]);
      await openssl([
        "x509",
        "-req",
        "-in",
        at(`${who}.csr`),
        "-CA",
        at("ca.crt"),
        "-CAkey",
        at("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        at(`${who}.crt`),
        "-extfile",
        at(`${who}.ext`),
      ]);
      return { cert: await readFile(at(`${who}.crt`), "utf8"), key: await readFile(at(`${who}.key`), "utf8") };
    };
    const san = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(",");
    // Servers also dial each other (replication, the bus, Sentinels): their certificate serves both ends.
    const server = await issue("server", [`subjectAltName=${san}`, "extendedKeyUsage=serverAuth,clientAuth", "keyUsage=digitalSignature"]);
    const client = await issue("client", ["extendedKeyUsage=clientAuth", "keyUsage=digitalSignature"]);
    return { ca: await readFile(at("ca.crt"), "utf8"), server, client };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new Error("openssl is not installed: TLS needs it to make the run's certificates (apt-get install openssl)");
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Directives of a server (and of a Sentinel): TLS only (the plain port off), TLS between servers too. Paths and switches,
 * no secret: they go on the command line and in the report's config.
 */
export function tlsDirectives(port: number, cluster: boolean): Record<string, string> {
  return {
    port: "0",
    "tls-port": String(port),
    "tls-cert-file": TLS_FILES.cert,
    "tls-key-file": TLS_FILES.key,
    "tls-ca-cert-file": TLS_FILES.ca,
    "tls-auth-clients": "yes",
    // A Sentinel reads this too: it then dials masters, replicas and other Sentinels over TLS.
    "tls-replication": "yes",
    ...(cluster ? { "tls-cluster": "yes" } : {}),
  };
}

/** The client side, for Node's tls.connect (ioredis's `tls`, the lean engine). */
export const clientTls = (m: TlsMaterial): ClientTls => ({ ca: m.ca, cert: m.client.cert, key: m.client.key });

/** redis-cli's flags inside a container: it presents the servers' certificate, which is also a client certificate. */
export const cliTlsArgs = (): string[] => ["--tls", "--cacert", TLS_FILES.ca, "--cert", TLS_FILES.cert, "--key", TLS_FILES.key];
