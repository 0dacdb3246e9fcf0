import type { ServerSample } from "./sampler.js";

export interface NodeLoad {
  node: string;
  /** Commands processed between the first and the last sample of the load (0 and later on the run clock). */
  commands: number;
  share: number;
}

/**
 * Per-node load from the INFO samples (total_commands_processed). A node restarted during the run starts counting from
 * 0 again; only increases are summed, so its count is a lower bound.
 */
export function nodeLoad(samples: ServerSample[], loadEndMs: number): NodeLoad[] {
  const byNode = new Map<string, number>();
  const last = new Map<string, number>();
  for (const s of samples) {
    const v = s.values.total_commands_processed;
    // Only the load: what converge and the read-back send afterwards is the harness's, not the workload's.
    if (typeof v !== "number" || s.tMs < 0 || s.tMs > loadEndMs + 1000) continue;
    const prev = last.get(s.node);
    if (prev !== undefined && v >= prev) byNode.set(s.node, (byNode.get(s.node) ?? 0) + (v - prev));
    else byNode.set(s.node, byNode.get(s.node) ?? 0);
    last.set(s.node, v);
  }
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  return [...byNode].map(([node, commands]) => ({ node, commands, share: total ? Math.round((commands / total) * 1000) / 1000 : 0 }));
}
