import { AppTierProbe } from "../app/app-tier.js";
import type { Settings } from "../infra/settings.js";
import { ClusterWatch } from "../measure/cluster-watch.js";
import { ContainerMemory } from "../measure/container-memory.js";
import { HarnessMemory } from "../measure/harness-memory.js";
import { HostMemoryWatch } from "../measure/host-memory.js";
import type { Probe, ProbeContext } from "../measure/probe.js";
import { ServerSampler } from "../measure/sampler.js";
import { SecurityCheck } from "../measure/security-check.js";
import { SentinelEvents } from "../measure/sentinel-events.js";
import type { ProbeSections } from "../report/types.js";
import type { Scenario } from "../scenario/schema.js";

type ProbeFactory = (ctx: ProbeContext, scenario: Scenario, settings: Settings) => Probe<Partial<ProbeSections>> | undefined;

/** The probes a run starts beside its load, each where it applies. A new probe: one file, one line here. */
export const PROBES: readonly ProbeFactory[] = [
  (c, s) => ServerSampler.forRun(c, s.sampler.intervalMs),
  (c) => (c.topology.sentinels.length ? new SentinelEvents(c) : undefined),
  (c) => (c.topology.cluster ? new ClusterWatch(c) : undefined),
  (c, s) => (s.app ? new AppTierProbe(c, s.app) : undefined),
  (c, s) => new ContainerMemory(c, s.sampler.intervalMs),
  (c, s, settings) => new HostMemoryWatch(c, s.sampler.intervalMs, settings.memoryFloorBytes),
  (c) => new HarnessMemory(c),
  (c, s) => (s.security.auth !== "none" || s.security.tls ? new SecurityCheck(c, s.security) : undefined),
];
