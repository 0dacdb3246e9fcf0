import { getContainerRuntimeClient, ImageName, type ContainerRuntimeClient } from "testcontainers";
import { EnvironmentError } from "./errors.js";

const SETUP_HINT = "Run `bash harness/infra/setup.sh` (as root) to install and start Docker and build the images.";

/** The container runtime, or an EnvironmentError that says how to get one. */
export async function containerRuntime(): Promise<ContainerRuntimeClient> {
  try {
    return await getContainerRuntimeClient();
  } catch (err) {
    throw new EnvironmentError(`No Docker engine answers (${(err as Error).message.split("\n")[0]}).`, SETUP_HINT);
  }
}

/** docker/build-images.sh names every image it builds under this prefix. */
export const LOCAL_IMAGE_PREFIX = "redis-chaos/";

/**
 * Images this harness builds itself must exist before a run (no registry here to pull them from); any other name is
 * left to testcontainers to pull, for machines that reach a registry.
 */
export async function requireImages(runtime: ContainerRuntimeClient, images: string[]): Promise<void> {
  for (const image of images) {
    if (await runtime.image.exists(ImageName.fromString(image))) continue;
    if (image.startsWith(LOCAL_IMAGE_PREFIX)) {
      throw new EnvironmentError(
        `Image ${image} is missing.`,
        `Build it with \`bash docker/build-images.sh\` (or all of set-up: \`bash harness/infra/setup.sh\`).`,
      );
    }
  }
}

export interface ImageFacts {
  name: string;
  id: string;
  repoDigests: string[];
  created: string;
}

export async function imageFacts(runtime: ContainerRuntimeClient, image: string): Promise<ImageFacts> {
  const info = await runtime.image.inspect(ImageName.fromString(image));
  return { name: image, id: info.Id, repoDigests: info.RepoDigests ?? [], created: info.Created };
}

/**
 * The reaper's port is published by testcontainers itself, on the engine's default address: loopback only when the
 * engine runs with --ip=127.0.0.1 (as setup.sh starts it). Says so when a running reaper listens wider.
 */
export async function reaperExposure(runtime: ContainerRuntimeClient, reaperImage: string): Promise<string[]> {
  const running = await runtime.container.list();
  return running
    .filter((c) => c.Image === reaperImage)
    .flatMap((c) => c.Ports.filter((p) => p.PublicPort && p.IP !== "127.0.0.1"))
    .map(
      (p) =>
        `the reaper's port ${p.PublicPort} is published on ${p.IP || "every address"}, not only 127.0.0.1: start the Docker engine with --ip=127.0.0.1 (harness/infra/setup.sh does when it starts one)`,
    );
}
