/** What a fault does to a node's process: what the dry run explains, per way of reaching the node. */
export type NodeAction = "sigkill" | "start" | "freeze" | "thaw";

/** What the harness can see of a node's process. */
export interface NodeState {
  running: boolean;
  paused: boolean;
  /** The kernel's OOM killer acted on it (containers only: elsewhere false). */
  oomKilled: boolean;
  /** Its process (a container's init); 0 when stopped or not known. */
  pid: number;
  /** Its memory limit (a container's; 0: none known). */
  memoryLimitBytes: number;
}

/**
 * How the harness acts on one node's process, whatever reaches it: a container on the engine (container-control.ts)
 * or a process on a host over SSH (ssh-control.ts). Faults act through this and nothing else, so one that kills or
 * pauses a node works wherever the node lives; what a node cannot be done to is refused before the run (capabilities).
 */
export interface NodeControl {
  /** Where the node is, in words, for progress, the dry run and the report ("container …", "ssh root@10.0.0.2"). */
  readonly where: string;
  /** Sends `signal` to the node's server process (SIGKILL: no shutdown, no last write to disk). */
  kill(signal?: string): Promise<void>;
  /** Starts it again after a kill. */
  start(): Promise<void>;
  /** Freezes it (the cgroup freezer, or SIGSTOP). */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  state(): Promise<NodeState>;
  /** Runs a command where the node runs (inside its container, or on its host); resolves with the exit code and output. */
  exec(cmd: string[], env?: Record<string, string>): Promise<{ exitCode: number; output: string }>;
  /** What `action` would do, as a command line (the dry run prints it instead of doing it). */
  explain(action: NodeAction): string;
}
