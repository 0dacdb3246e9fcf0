import { containerRuntime, imageFacts } from "../../infra/docker.js";
import { hostFacts, hostWarnings } from "../../infra/environment.js";
import type { RunContext } from "../context.js";

/** The engine and the host facts every report records (the images were found before the run began: run/admit.ts). */
export async function preflight(ctx: RunContext): Promise<void> {
  const { settings } = ctx.options;
  const runtime = await containerRuntime();
  const host = hostFacts(runtime);
  for (const w of hostWarnings(host)) ctx.progress.step(`warning: ${w}`);
  // A target's servers are its own: the only image this run starts is the fault layer's.
  const images = await Promise.all([...(ctx.options.target ? [] : [ctx.image]), settings.toxiproxyImage].map((i) => imageFacts(runtime, i)));
  ctx.environment = { ...ctx.environment, host, images, warnings: [...hostWarnings(host)] };
}
