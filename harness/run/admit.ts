import { faultDefinition } from "../faults/registry.js";
import { containerRuntime, requireImages } from "../infra/docker.js";
import type { EngineSet } from "../infra/engines.js";
import { BadInputError, EnvironmentError } from "../infra/errors.js";
import type { Settings } from "../infra/settings.js";
import type { Progress } from "../report/progress.js";
import { requireResources, type ResourceEstimate } from "../scenario/resource-guard.js";
import type { Scenario } from "../scenario/schema.js";
import { checkScenarioOnTarget, type LoadedTarget } from "../scenario/target-file.js";
import { refuseLeakingDebug } from "../security/run-security.js";

/**
 * The images a run starts: Redis (the scenario's, or the setting; none against a target), those its faults start (an
 * upgrade's), Toxiproxy and the reaper.
 */
export const imagesOf = (s: Scenario | null, settings: Settings, target?: LoadedTarget): string[] => [
  ...new Set([
    ...(target ? [] : [s?.topology.image ?? settings.redisImage]),
    ...(s?.faults ?? []).flatMap((f) => faultDefinition(f.kind).images?.(f) ?? []),
    settings.toxiproxyImage,
    settings.ryukImage,
  ]),
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
  if (settings.engines) await admitSplit(scenario, settings.engines, settings, target);
  if (target) checkScenarioOnTarget(scenario, target.spec);
  const resources = requireResources(scenario, undefined, { dataHere: !target });
  refuseLeakingDebug(scenario.security);
  await requireRunImages(scenario, settings, progress, target);
  return resources;
}

/**
 * A split over several engines (--engines): not of a target (its nodes are where they are), and with the images on
 * every engine a node may land on (the Redis image and the reaper; the first engine is checked as any run's is).
 */
async function admitSplit(scenario: Scenario, engines: EngineSet, settings: Settings, target?: LoadedTarget): Promise<void> {
  if (target) throw new BadInputError("--engines with --target: a target's nodes run where they are.", "Leave --engines out of a run against a target.");
  // A fault that starts images of its own replaces containers, keeping their address, port and data: built on one engine.
  const replacing = scenario.faults.findIndex((f) => faultDefinition(f.kind).images?.(f).length);
  if (replacing >= 0)
    throw new BadInputError(
      `faults[${replacing}]: ${scenario.faults[replacing].kind} replaces containers, which a topology split over engines (--engines) cannot do yet: a node there keeps neither its published port nor its data.`,
      "Run it on one engine: leave --engines out.",
    );
  for (const e of engines.engines.slice(1))
    for (const image of [scenario.topology.image ?? settings.redisImage, engines.reaperImage]) {
      const there = await e.docker
        .getImage(image)
        .inspect()
        .then(
          () => true,
          (err: Error & { statusCode?: number }) => {
            if (err.statusCode === 404) return false;
            throw new EnvironmentError(
              `The engine ${e.name} does not answer (${err.message.split("\n")[0]}).`,
              "Check that it runs and listens with TLS there.",
            );
          },
        );
      if (!there)
        throw new BadInputError(
          `Image ${image} is not on the engine ${e.name}.`,
          `Put it there first: docker save ${image} | docker ${e.cliFlags} load (every engine of --engines needs the Redis image and ${engines.reaperImage}).`,
        );
    }
}
