import type { ProxiedLink } from "./fault-layer.js";
import type { NodeAddress, RedisNode } from "./redis-node.js";
import type { Topology } from "./types.js";

/**
 * How a node is cut off from its peers in both directions (capability "cuts"): iptables rules run where the node runs
 * (its container, or its host over SSH), and fault-layer links to blackhole. Undone in reverse by the partition fault.
 */
export interface PeerCut {
  /** Each rule as iptables' arguments after -A/-D ("OUTPUT", "-p", "tcp", …). */
  rules: string[][];
  /** Links into the node to blackhole. */
  blackhole: ProxiedLink[];
}

/** iptables rules, inside a node's container, that drop its traffic to and from the other nodes' peer links. */
export function outboundRules(peers: ProxiedLink[]): string[][] {
  return peers.flatMap((p) => [
    ["OUTPUT", "-p", "tcp", "-d", p.innerHost, "--dport", String(p.innerPort), "-j", "DROP"],
    ["INPUT", "-p", "tcp", "-s", p.innerHost, "--sport", String(p.innerPort), "-j", "DROP"],
  ]);
}

/**
 * In containers the harness started, everyone reaches a node through its peer link (and bus link), and Toxiproxy cannot
 * tell sources apart: the way in is those links blackholed; the way out, iptables inside the node dropping its traffic
 * to every other node's links.
 */
export function containerPeerCut(topology: Pick<Topology, "peerLinks" | "busLinks">, node: RedisNode): PeerCut {
  const inward = (name: string) => [topology.peerLinks.get(name)!, ...(topology.busLinks ? [topology.busLinks.get(name)!] : [])];
  const others = [...topology.peerLinks.keys()].filter((name) => name !== node.name).flatMap(inward);
  return { rules: outboundRules(others), blackhole: inward(node.name) };
}

/**
 * The comment on every rule a run adds on a target's host, its own (another run's rules are not its to remove): what
 * its teardown finds and removes, whatever happened, and what a person finds with `iptables -S | grep redis-chaos`.
 */
export const runRuleTag = (): string => `redis-chaos-${process.pid}-${Date.now().toString(36)}`;

/**
 * On hosts of their own (a target reached over SSH), as Jepsen's nemeses do: on the node's host, drop everything to and
 * from every other host of the deployment, both chains. The harness's own address is not among them, so its SSH session
 * and the fault layer's connections (the clients) still get through. Each rule carries the run's `tag`; the partition
 * inserts them first in their chain, ahead of a host's own "established: accept" rules, which would let the
 * connections already open through.
 */
export function hostPeerCut(self: NodeAddress, hosts: Iterable<string>, tag: string): PeerCut {
  const others = [...new Set(hosts)].filter((h) => h !== self.host);
  const drop = ["-m", "comment", "--comment", tag, "-j", "DROP"];
  return {
    rules: others.flatMap((h) => [
      ["INPUT", "-s", h, ...drop],
      ["OUTPUT", "-d", h, ...drop],
    ]),
    blackhole: [],
  };
}
