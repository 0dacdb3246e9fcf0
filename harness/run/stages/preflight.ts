import { containerRuntime, imageFacts, requireImages } from "../../infra/docker.js";
import { hostFacts, hostWarnings } from "../../infra/environment.js";
import type { RunContext } from "../context.js";

/** Before anything starts: an engine that answers, the images present, and the host facts every report records. */
export async function preflight(ctx: RunContext): Promise<void> {
  const { settings } = ctx.options;
  const runtime = await containerRuntime();
  await requireImages(runtime, [ctx.image, settings.toxiproxyImage, settings.ryukImage]);
  const host = hostFacts(runtime);
  for (const w of hostWarnings(host)) ctx.progress.step(`warning: ${w}`);
  const images = await Promise.all([ctx.image, settings.toxiproxyImage].map((i) => imageFacts(runtime, i)));
  ctx.environment = { ...ctx.environment, host, images, warnings: [...hostWarnings(host)] };
}
