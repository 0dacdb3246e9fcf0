import { containerRuntime, reaperExposure } from "../../infra/docker.js";
import { EnvironmentError, HarnessError } from "../../infra/errors.js";
import { startTopology as start } from "../../topology/registry.js";
import { attachTarget, reachTarget } from "../../topology/target.js";
import type { RunContext } from "../context.js";

/**
 * The deployment the scenario names, every link through the fault layer; stopped at teardown. Against a target, the
 * target's nodes are reached and attached to instead (nothing started there); its teardown removes the harness's keys.
 */
export async function startTopology(ctx: RunContext): Promise<void> {
  const { scenario, options } = ctx;
  ctx.timeline.add("topology-starting", { topology: scenario.topology.kind, image: ctx.image });
  const onStep = (m: string) => ctx.progress.step(m);
  const target = options.target;
  const starting = target
    ? reachTarget(target.spec, target.secrets, onStep).then(async (reached) => {
        try {
          return await attachTarget(reached, { toxiproxyImage: options.settings.toxiproxyImage, limits: ctx.limits, client: scenario.client, onStep });
        } catch (err) {
          await reached.close();
          throw err;
        }
      })
    : start(scenario.topology, {
        image: ctx.image,
        toxiproxyImage: options.settings.toxiproxyImage,
        client: scenario.client,
        limits: ctx.limits,
        // Secrets are made as it starts, held in memory only: the servers read them from files copied into their containers.
        security: scenario.security,
        onStep,
      });
  const topology = await starting.catch((err) => {
    throw asEnvironmentError(err, target ? `attaching to the target ${target.spec.name}` : "starting the topology");
  });
  ctx.topology = topology;
  ctx.defer("the containers", async () => {
    ctx.progress.step(target ? "removing the harness's keys from the target, stopping the fault layer" : "stopping containers");
    await topology.stop();
  });
  for (const w of await reaperExposure(await containerRuntime(), options.settings.ryukImage)) {
    ctx.progress.step(`warning: ${w}`);
    ctx.environment.warnings.push(w);
  }
  ctx.description = await topology.describe();
  const { server, version } = ctx.description.server;
  ctx.timeline.add("topology-ready", { server, version });
  ctx.progress.step(`topology up: ${server} ${version}`);
}

/** A failure of Docker, an image or a port: the environment's, exit 3, with the message that says what broke. */
function asEnvironmentError(err: unknown, during: string): HarnessError {
  if (err instanceof HarnessError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  let hint = "Check that Docker runs (`docker info`) and the images exist (`bash docker/build-images.sh`).";
  if (/port is already allocated|address already in use/i.test(msg)) hint = "A port is taken: stop what holds it, or let Docker pick free ports.";
  if (/No such image|pull access denied|manifest unknown/i.test(msg))
    hint = "The image is missing: build it with `bash docker/build-images.sh`, or set the image setting to one your registry has.";
  return new EnvironmentError(`Failed while ${during}: ${msg.split("\n")[0]}`, hint);
}
