import { publishedHost } from "./engine.js";
import { getContainerRuntimeClient, ImageName, type ContainerRuntimeClient } from "testcontainers";
import { BadInputError, EnvironmentError } from "./errors.js";
import { IMAGE_REFERENCE } from "./fields.js";
import type { PullPolicy } from "./settings.js";

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

/** The registry mirrors the engine is configured with (daemon.json's registry-mirrors): where "auto" may pull from. */
async function registryMirrors(runtime: ContainerRuntimeClient): Promise<string[]> {
  const info = (await runtime.container.dockerode.info()) as { RegistryConfig?: { Mirrors?: string[] } };
  return info.RegistryConfig?.Mirrors ?? [];
}

/**
 * Every image a run needs, on the engine before anything starts. The harness's own (redis-chaos/...) are built by
 * set-up; any other is pulled when the engine has a registry mirror configured (or HARNESS_PULL=always), and otherwise
 * refused by name: an engine with no registry would fail half-way through starting the topology.
 */
export async function requireImages(
  runtime: ContainerRuntimeClient,
  images: string[],
  pull: PullPolicy,
  onPull: (image: string) => void = () => {},
): Promise<void> {
  for (const image of new Set(images)) {
    // A setting's image (REDIS_IMAGE, TOXIPROXY_IMAGE) has met no schema: the engine's own refusal would be a stack trace.
    if (!IMAGE_REFERENCE.test(image))
      throw new BadInputError(
        `Image "${image}" is not an image name.`,
        "Give a name such as redis-chaos/redis:7.0 or redis:7.2 (--image, topology.image, or the REDIS_IMAGE and TOXIPROXY_IMAGE settings).",
      );
    const name = ImageName.fromString(image);
    if (await runtime.image.exists(name)) continue;
    if (image.startsWith(LOCAL_IMAGE_PREFIX)) {
      throw new EnvironmentError(
        `Image ${image} is missing.`,
        `Build it with \`bash docker/build-images.sh\` (or all of set-up: \`bash harness/infra/setup.sh\`).`,
      );
    }
    const mirrors = pull === "auto" ? await registryMirrors(runtime) : [];
    if (pull === "never" || (pull === "auto" && mirrors.length === 0))
      throw new BadInputError(
        `Image ${image} is not on this machine's Docker engine${pull === "never" ? " (HARNESS_PULL=never)" : ", which has no registry mirror configured to pull it from"}.`,
        `Put it there first (docker pull ${image}, or docker load from a file), or set HARNESS_PULL=always to let the harness pull it; the images set-up builds need no registry (redis-chaos/redis:7.0, redis-chaos/redis:8.0, redis-chaos/valkey:8.1: docker/build-images.sh).`,
      );
    onPull(image);
    try {
      await runtime.image.pull(name);
    } catch (err) {
      throw new EnvironmentError(
        `Pulling ${image} failed: ${(err as Error).message.split("\n")[0]}`,
        `Check the name and the engine's registry (docker pull ${image}).`,
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
    .flatMap((c) => c.Ports.filter((p) => p.PublicPort && p.IP !== publishedHost() && p.IP !== "127.0.0.1"))
    .map(
      (p) =>
        `the reaper's port ${p.PublicPort} is published on ${p.IP || "every address"}, not only ${publishedHost()}: start the Docker engine with --ip=${publishedHost()} (harness/infra/setup.sh does when it starts one)`,
    );
}
