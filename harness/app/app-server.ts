import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { classifyError, emptyErrorCounts, type ErrorCounts } from "../measure/errors.js";
import type { DataClient } from "../topology/types.js";

/** HTTP statuses the app answers with: what its users see when Redis fails under it. */
export const STATUS_REDIS_TIMEOUT = 504;
export const STATUS_REDIS_ERROR = 503;

export interface AppServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Redis errors behind the 5xx answers, by class. */
  readonly redisErrors: ErrorCounts;
  close(): Promise<void>;
}

/**
 * The small application in front of Redis, as users of a Redis deployment run it: one shared client of the topology's
 * own kind (plain, Sentinel-aware or Cluster-aware, through the fault layer), `POST /write` stores a new key,
 * `GET /read` reads the latest. A Redis error becomes a 503 (a timeout a 504), so HTTP shows what Redis did.
 */
export async function startAppServer(client: DataClient): Promise<AppServer> {
  const redisErrors = emptyErrorCounts();
  let written = 0;
  const server: Server = createServer((req, res) => {
    const op =
      req.method === "POST" && req.url === "/write"
        ? client.set(`app:${++written}`, String(written)).then(() => 204)
        : req.method === "GET" && req.url === "/read"
          ? client.get(`app:${written}`).then(() => 200)
          : Promise.resolve(404);
    req.resume(); // the request body is not used; drain it so the connection stays reusable
    op.then(
      (status) => res.writeHead(status).end(),
      (err: unknown) => {
        const cls = classifyError(err);
        redisErrors[cls]++;
        res.writeHead(cls === "timeout" ? STATUS_REDIS_TIMEOUT : STATUS_REDIS_ERROR, { "content-type": "text/plain" }).end(cls);
      },
    );
  });
  server.keepAliveTimeout = 60_000; // autocannon's connections send once a second: keep them open
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    redisErrors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
