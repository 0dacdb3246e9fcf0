import { ENGINES } from "../../workload/engines/index.js";
import type { RunContext } from "../context.js";

/** The workload's connections (and the replicas' when reads go there), through the fault layer or direct (workload.via); closed at teardown. */
export async function connect(ctx: RunContext): Promise<void> {
  const w = ctx.scenario.workload;
  const open = async (to: "primary" | "replica") => {
    const pool = ENGINES[w.engine].create({
      topology: ctx.deployment,
      to,
      connections: w.connections,
      client: ctx.scenario.client,
      timeline: ctx.timeline,
      via: w.via,
    });
    ctx.defer(`the ${to} connections`, () => pool.close());
    await pool.connect();
    return pool;
  };
  const pool = await open("primary");
  ctx.clients = { pool, ...(w.readFrom === "replicas" ? { readPool: await open("replica") } : {}) };
}
