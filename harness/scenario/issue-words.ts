import type { z } from "zod";
import { didYouMeanText } from "../infra/suggest.js";

/*
 * A schema's issues said the way a person reads them: "must be a whole number" rather than zod's "expected int,
 * received number", the value that was given, and for a misspelt field or choice the name it most likely meant.
 */

type Issue = z.core.$ZodIssue & { input?: unknown };
type AnySchema = z.core.$ZodType;

/** `workload.rate`, `faults[0].at`: a field's path as it is written in a scenario file. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), "");
}

const shown = (v: unknown) => (typeof v === "string" ? `"${v}"` : JSON.stringify(v));

/** The field names an object of the schema takes at a path (through defaults, pipes, arrays and unions). */
export function fieldsAt(schema: AnySchema, path: ReadonlyArray<PropertyKey>): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "default":
    case "optional":
    case "nullable":
    case "readonly":
    case "prefault":
    case "catch":
      return fieldsAt(def.innerType as AnySchema, path);
    case "pipe":
      return fieldsAt(def.in as AnySchema, path);
    case "array":
      return typeof path[0] === "number" ? fieldsAt(def.element as AnySchema, path.slice(1)) : [];
    case "union":
      return [...new Set((def.options as AnySchema[]).flatMap((o) => fieldsAt(o, path)))];
    case "object": {
      const shape = def.shape as Record<string, AnySchema>;
      if (path.length === 0) return Object.keys(shape);
      const next = shape[String(path[0])];
      return next ? fieldsAt(next, path.slice(1)) : [];
    }
    default:
      return [];
  }
}

const TYPE_WORDS: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  string: "text",
  boolean: "true or false",
  object: "a mapping of fields",
  array: "a list",
};

/** A choice not among those a field takes: which they are, what was given, and the one it most likely meant. */
function oneOf(values: readonly unknown[], given: unknown): string {
  const choices = values.map(String);
  const must = `must be ${choices.length === 1 ? shown(values[0]) : `one of ${choices.join(", ")}`}`;
  if (given === undefined) return must;
  const typed = typeof given === "string" ? didYouMeanText(given, choices) : "";
  return `${must}, not ${shown(given)}${typed ? `.${typed}` : ""}`;
}

/** What is wrong with a field, in words; the schema lends the names a misspelt field or choice may have meant. */
export function describeIssue(issue: Issue, schema: AnySchema): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined && /received undefined/.test(issue.message)) return "is required";
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}${issue.input !== undefined ? `, not ${shown(issue.input)}` : ""}`;
    case "too_small":
      if (issue.origin === "array" || issue.origin === "set") return `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? "" : "s"}`;
      if (issue.origin === "string") return Number(issue.minimum) <= 1 ? "must not be empty" : `must be at least ${issue.minimum} characters`;
      return `must be ${issue.inclusive ? "at least" : "more than"} ${issue.minimum}${issue.input !== undefined ? `, not ${shown(issue.input)}` : ""}`;
    case "too_big":
      if (issue.origin === "array" || issue.origin === "set") return `takes at most ${issue.maximum} items`;
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}${issue.input !== undefined ? `, not ${shown(issue.input)}` : ""}`;
    case "invalid_value":
      return oneOf(issue.values, issue.input);
    case "invalid_union": {
      const note = issue as Issue & { discriminator?: string; options?: unknown[] };
      if (note.discriminator) return oneOf(note.options ?? [], (issue.input as Record<string, unknown> | undefined)?.[note.discriminator]);
      if (issue.input === undefined) return "is required";
      // Each form refused the value's type (a duration is a number or text): say which types it takes.
      const branches = (issue as { errors?: Issue[][] }).errors ?? [];
      const types = branches.map((b) => (b.length === 1 && b[0].code === "invalid_type" ? b[0].expected : null));
      if (types.length && types.every((t) => t !== null))
        return `must be ${[...new Set(types)].map((t) => TYPE_WORDS[t!] ?? t).join(" or ")}, not ${shown(issue.input)}`;
      return `is none of the forms this field takes (${shown(issue.input)})`;
    }
    case "unrecognized_keys": {
      const known = fieldsAt(schema, issue.path);
      return issue.keys
        .map((k) => `has an unknown field "${k}".${didYouMeanText(k, known) || (known.length && known.length <= 8 ? ` It takes ${known.join(", ")}.` : "")}`)
        .join("; ");
    }
    default:
      return issue.message;
  }
}
