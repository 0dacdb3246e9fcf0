import { DEFAULT_LIMITS } from "../../harness/topology/definition.js";
import test from "ava";
import { loadSettings } from "../../harness/infra/settings.js";
import { Timeline } from "../../harness/measure/timeline.js";
import { DEFAULT_CLIENT_SETTINGS } from "../../harness/topology/client-options.js";
import { StandaloneTopology } from "../../harness/topology/standalone.js";
import type { ReplyCallback } from "../../harness/workload/engines/command-client.js";
import { LeanConnection } from "../../harness/workload/engines/lean-connection.js";
import { LeanPool } from "../../harness/workload/engines/lean-pool.js";

// Serial: one of them freezes the server.
// The lean engine against a real server: replies matched to their commands in order, server errors as errors, and a
// server that stops answering failing every pending command as a timeout, then a fresh connection once it is back.

let topology: StandaloneTopology;
let port: number;
test.before(async () => {
  const s = loadSettings();
  topology = await StandaloneTopology.start({
    image: s.redisImage,
    toxiproxyImage: s.toxiproxyImage,
    limits: DEFAULT_LIMITS,
    config: {},
    client: DEFAULT_CLIENT_SETTINGS,
  });
  port = topology.nodes[0].address.port;
});
test.after.always(async () => topology?.stop());

const reply = (send: (cb: ReplyCallback) => void) =>
  new Promise<{ err: Error | null | undefined; value: unknown }>((resolve) => send((err, value) => resolve({ err, value })));
const open = (commandTimeoutMs = 1000) => LeanConnection.open({ host: "127.0.0.1", port, commandTimeoutMs, connectTimeoutMs: 1000 });

test.serial("a thousand pipelined commands in one write: every callback gets its own command's reply, in order", async (t) => {
  const c = await open();
  await Promise.all(Array.from({ length: 1000 }, (_, i) => reply((cb) => c.set(Buffer.from(`lean:${i}`), `value-${i}`, cb))));
  const values = await Promise.all(Array.from({ length: 1000 }, (_, i) => reply((cb) => c.get(i % 2 ? `lean:${i}` : Buffer.from(`lean:${i}`), cb))));
  t.deepEqual(
    values.map((v) => v.value),
    Array.from({ length: 1000 }, (_, i) => `value-${i}`),
  );
  t.is((await reply((cb) => c.get("lean:absent", cb))).value, null);
  c.close();
});

test.serial("a server error is that command's error; the connection goes on", async (t) => {
  const c = await open();
  await reply((cb) => c.set("lean:text", "not a number", cb));
  const bad = await reply((cb) => c.call(["INCR", "lean:text"], cb));
  t.regex(String(bad.err?.message), /^ERR value is not an integer/);
  t.is((await reply((cb) => c.ping(cb))).value, "PONG");
  c.close();
});

test.serial("a server that stops answering fails every pending command as a timeout; the pool reconnects once it is back", async (t) => {
  const timeline = new Timeline(() => performance.now());
  const pool = new LeanPool(
    async () => ({ host: "127.0.0.1", port }),
    1,
    { ...DEFAULT_CLIENT_SETTINGS, commandTimeoutMs: 300, reconnectDelayMs: 100 },
    timeline,
  );
  await pool.connect();
  const first = pool.clients[0];
  await reply((cb) => first.set("lean:pause", "before", cb));
  await topology.nodes[0].control.pause();
  try {
    const pending = await Promise.all(Array.from({ length: 5 }, () => reply((cb) => first.get("lean:0", cb))));
    t.true(
      pending.every((p) => /timed out after 300 ms/.test(String(p.err?.message))),
      JSON.stringify(pending.map((p) => p.err?.message)),
    );
    t.regex(String((await reply((cb) => first.get("lean:0", cb))).err?.message), /timed out/, "a closed connection refuses at once with what closed it");
  } finally {
    await topology.nodes[0].control.unpause();
  }
  const deadline = Date.now() + 5000;
  while (pool.clients[0] === first && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.not(pool.clients[0], first, "a new connection replaced the lost one");
  t.is((await reply((cb) => pool.clients[0].get("lean:pause", cb))).value, "before");
  t.deepEqual(
    timeline.events.map((e) => e.kind),
    ["client-reconnecting", "client-ready"],
  );
  pool.close();
});
