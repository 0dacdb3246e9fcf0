import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BadInputError } from "../infra/errors.js";
import { clientFieldsSchema, DEFAULT_CLIENT_SETTINGS, type ClientSettings } from "../topology/client-options.js";
import { parseScenarioText, SUITES_DIR } from "./load.js";

/** The profiles every checkout has; `--profiles <file>` adds a user's own (same format; a name given again replaces). */
export const PROFILES_FILE = path.join(SUITES_DIR, "clients", "profiles.json");

/** The client libraries a profile can name: what applications run (the lean engine is the harness's instrument). */
const LIBRARIES = ["ioredis", "node-redis"] as const;
type Library = (typeof LIBRARIES)[number];

/** Settings one library has and the other has not: a profile that sets one for the other library is refused. */
const ONLY: Partial<Record<keyof ClientSettings, Library>> = {
  maxRetriesPerRequest: "ioredis",
  reconnectOnReadonly: "ioredis",
  failoverDetector: "ioredis",
  enableAutoPipelining: "ioredis",
  commandsQueueMaxLength: "node-redis",
};

const profileSchema = z
  .object({
    engine: z.enum(LIBRARIES),
    description: z.string().min(1, "say in a sentence what the profile is (whose defaults, which advice)"),
    /** The settings that differ from the harness's pinned defaults (client-options.ts). */
    client: clientFieldsSchema.default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const key of Object.keys(p.client) as Array<keyof ClientSettings>) {
      const only = ONLY[key];
      if (only && only !== p.engine)
        ctx.addIssue({ code: "custom", path: ["client", key], message: `${key} is a setting of ${only}, which ${p.engine} does not have: remove it` });
    }
  });

const fileSchema = z
  .object({
    $comment: z.string().optional(),
    profiles: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a profile's name: lower-case letters, digits and dashes"), profileSchema),
  })
  .strict();

/** A named client configuration: the library, and its settings as a scenario's `client` section takes them. */
export interface ClientProfile {
  name: string;
  engine: Library;
  description: string;
  /** The settings the profile itself sets: what a table of profiles shows. */
  explicit: Partial<ClientSettings>;
  /** All settings: the profile's over the harness's defaults. */
  client: ClientSettings;
}

function readProfiles(file: string): ClientProfile[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new BadInputError(
      `Cannot read client profiles file ${file}: ${(e as Error).message}`,
      `Give the path of a JSON file shaped like ${path.relative(process.cwd(), PROFILES_FILE)}.`,
    );
  }
  const r = fileSchema.safeParse(parseScenarioText(file, text));
  if (!r.success)
    throw new BadInputError(
      `Client profiles in ${file} are invalid:\n${r.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n")}`,
      `Fix those fields; every setting is described in harness/topology/client-options.ts and docs/client-truths.md.`,
    );
  return Object.entries(r.data.profiles).map(([name, p]) => ({
    name,
    engine: p.engine,
    description: p.description,
    explicit: p.client,
    client: { ...DEFAULT_CLIENT_SETTINGS, ...p.client },
  }));
}

/** Every known profile: the project's, then the user's file's (which may replace one by name). */
export function loadClientProfiles(userFile?: string): Map<string, ClientProfile> {
  const all = new Map<string, ClientProfile>();
  for (const p of [...readProfiles(PROFILES_FILE), ...(userFile ? readProfiles(userFile) : [])]) all.set(p.name, p);
  return all;
}

/** The profiles `--clients a,b,c` names, in that order; an unknown or repeated name is refused with the known ones. */
export function pickProfiles(list: string, userFile?: string): ClientProfile[] {
  const all = loadClientProfiles(userFile);
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new BadInputError("--clients is empty.", `Name profiles, e.g. --clients ${[...all.keys()].slice(0, 3).join(",")}`);
  const unknown = names.filter((n) => !all.has(n));
  if (unknown.length)
    throw new BadInputError(
      `No client profile named ${unknown.map((n) => `"${n}"`).join(", ")}.`,
      `Known profiles: ${[...all.keys()].join(", ")}. Add your own with --profiles <file>.`,
    );
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) throw new BadInputError(`--clients names ${repeated.join(", ")} twice.`, "Name each profile once (use --repeats to run them again).");
  return names.map((n) => all.get(n)!);
}
