import test from "ava";
import net from "node:net";
import { Redis } from "ioredis";
import { Timeline } from "../../harness/measure/timeline.js";
import type { DataClient } from "../../harness/topology/types.js";
import { IoredisPool } from "../../harness/workload/engines/ioredis-pool.js";

// The workload's ioredis connections: a client that stops reconnecting on its own (status "end") is on the timeline
// with the error it last saw, because from then on every command it gets fails at once; a client the harness closed is not.

/** A server that accepts connections and answers nothing, until it drops them all and stops listening. */
async function fakeServer(): Promise<{ port: number; drop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    drop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Clients that try once more after losing the server, then give up. */
const oneRetry = (port: number) => () =>
  new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    enableReadyCheck: false,
    protocol: 2,
    disableClientInfo: true,
    retryStrategy: (times) => (times <= 1 ? 10 : null),
  }) as unknown as DataClient;

test("a client that gives up reconnecting is recorded once, with the last error it saw", async (t) => {
  const server = await fakeServer();
  const timeline = new Timeline(() => 0);
  const pool = new IoredisPool(oneRetry(server.port), 2, timeline);
  await pool.connect();
  await server.drop();
  await new Promise((r) => setTimeout(r, 300));
  const gaveUp = timeline.events.filter((e) => e.kind === "client-gave-up") as Array<{ detail: { client: number; lastError: string } }>;
  t.deepEqual(
    gaveUp.map((e) => e.detail).sort((a, b) => a.client - b.client),
    [0, 1].map((client) => ({ client, lastError: `connect ECONNREFUSED 127.0.0.1:${server.port}` })),
  );
  pool.close();
});

test("a client the harness closes is not a client that gave up", async (t) => {
  const server = await fakeServer();
  const timeline = new Timeline(() => 0);
  const pool = new IoredisPool(oneRetry(server.port), 2, timeline);
  await pool.connect();
  pool.close();
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(
    timeline.events.filter((e) => e.kind === "client-gave-up"),
    [],
  );
  await server.drop();
});
