import path from "node:path";
import { TOPOLOGIES, type TopologyKind } from "../topology/registry.js";

/** What the user asks of a deployment (recommend's flags). */
export interface Requirements {
  datasetBytes: number;
  rtoMs: number;
  rpoMs: number;
  readRatio: number;
  ops: number;
  p99Ms: number;
  /** How long a person takes to notice a dead master and act: the RTO of a topology without automatic failover. */
  operatorResponseMs: number;
}

/**
 * met / not met: shown by the runs or studies named (or by an assumption, stated). not shown: runs were found, but
 * none of the kind that decides it. not measured: nothing here measured it.
 */
export type Judgement = "met" | "not met" | "not shown" | "not measured";
export const OPEN: readonly Judgement[] = ["not shown", "not measured"];

export interface Cell {
  judgement: Judgement;
  /** The number that decided it, or why nothing did, in words. */
  measured: string;
  /** The run and study folders it stands on (empty: a rule or an assumption, stated in `measured`). */
  runs: string[];
  /** The file or folder that decided it. */
  source?: string;
  /** Not shown or not measured: what the user types to show it. */
  shownBy?: string;
  /** That command's suite scenario, when it is one (what recommend --measure runs). */
  scenario?: string;
}

export type RequirementId = "dataset" | "rto" | "rpo" | "throughput";

export interface Step {
  requirement: RequirementId;
  question: string;
  asked: string;
  perTopology: Record<TopologyKind, Cell>;
}

/** Simplest first: the order the seed's flow tries them in (the registry's). */
export const ORDER: readonly TopologyKind[] = TOPOLOGIES.map((t) => t.kind);

export const perTopology = (f: (k: TopologyKind) => Cell) => Object.fromEntries(ORDER.map((k) => [k, f(k)])) as Record<TopologyKind, Cell>;

/** A run's or a study's folder name: its time and what it ran. */
export const folderName = (source: string) => path.basename(source.endsWith(".json") ? path.dirname(source) : source);

/** "1 run", "3 runs", "2 studies". */
export const runs = (n: number, what = "run") => `${n} ${n === 1 ? what : what.endsWith("y") ? `${what.slice(0, -1)}ies` : `${what}s`}`;
