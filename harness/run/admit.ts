import { containerRuntime, requireImages } from "../infra/docker.js";
import type { Settings } from "../infra/settings.js";
import type { Progress } from "../report/progress.js";
import { requireResources, type ResourceEstimate } from "../scenario/resource-guard.js";
import type { Scenario } from "../scenario/schema.js";
import { checkScenarioOnTarget, type LoadedTarget } from "../scenario/target-file.js";
import { refuseLeakingDebug } from "../security/run-security.js";

/** The images a run starts: Redis (the scenario's, or the setting; none against a target), Toxiproxy and the reaper. */
export const imagesOf = (s: Scenario | null, settings: Settings, target?: LoadedTarget): string[] => [
  ...(target ? [] : [s?.topology.image ?? settings.redisImage]),
  settings.toxiproxyImage,
  settings.ryukImage,
];

/** Those images on the engine, pulled where the settings allow (saying so), or refused by name. */
export async function requireRunImages(s: Scenario | null, settings: Settings, progress?: Progress, target?: LoadedTarget): Promise<void> {
  await requireImages(await containerRuntime(), imagesOf(s, settings, target), settings.pull, (image) =>
    progress?.step(`pulling ${image}: not on the engine yet`),
  );
}

/**
 * What a run needs, checked before anything is created (a report folder, a container): that it fits on this host, that
 * no secret of it can leak, that its images are on the engine. A suite asks it of every scenario before its first run.
 */
export async function admitRun(scenario: Scenario, settings: Settings, progress?: Progress, target?: LoadedTarget): Promise<ResourceEstimate> {
  if (target) checkScenarioOnTarget(scenario, target.spec);
  const resources = requireResources(scenario, undefined, { dataHere: !target });
  refuseLeakingDebug(scenario.security);
  await requireRunImages(scenario, settings, progress, target);
  return resources;
}
