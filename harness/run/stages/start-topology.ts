import { containerRuntime, reaperExposure } from "../../infra/docker.js";
import { BadInputError, EnvironmentError, HarnessError } from "../../infra/errors.js";
import { defaultSpec, startTopology as start } from "../../topology/registry.js";
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
        engines: options.settings.engines,
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
  if (target) await targetNotes(ctx);
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

/**
 * Against a target: the scenario's topology fields describe the harness's own deployment and are not applied (the
 * target keeps its settings), said in the report's warnings; a dataset needs DEBUG, which the server may refuse
 * whatever the file allows (Redis 7's enable-debug-command), so that is asked now rather than half-way through loading.
 */
async function targetNotes(ctx: RunContext): Promise<void> {
  const { kind, ...given } = ctx.scenario.topology;
  const defaults = defaultSpec(kind) as Record<string, unknown>;
  const ignored = Object.entries(given).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(defaults[k]));
  if (ignored.length) {
    const w = `the scenario's topology fields ${ignored.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ")} describe a deployment the harness starts; the target keeps its own settings`;
    ctx.progress.step(`warning: ${w}`);
    ctx.environment.warnings.push(w);
  }
  if (ctx.scenario.dataset.size > 0) {
    const primary = await ctx.deployment.primary();
    await primary.admin.call("DEBUG", "HELP").catch((err: Error) => {
      throw new BadInputError(
        `${primary.name} refuses DEBUG (${err.message}), which loading the dataset needs`,
        "Set enable-debug-command on the target's servers (Redis 7+), or run the scenario without a dataset.",
      );
    });
  }
}
