import { ClientPool } from "../../workload/client-pool.js";
import type { RunContext } from "../context.js";

/** The workload's connections (and the replicas' when reads go there), through the fault layer; closed at teardown. */
export async function connect(ctx: RunContext): Promise<void> {
  const topology = ctx.deployment;
  const w = ctx.scenario.workload;
  const open = async (to: "primary" | "replica") => {
    const pool = new ClientPool(() => topology.newClient(to), w.connections, ctx.timeline);
    ctx.defer(`the ${to} connections`, () => pool.close());
    await pool.connect();
    return pool;
  };
  const pool = await open("primary");
  ctx.clients = { pool, ...(w.readFrom === "replicas" ? { readPool: await open("replica") } : {}) };
}
