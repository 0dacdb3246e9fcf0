#!/usr/bin/env node
// The `redis-chaos` command (package.json "bin"): registers the TypeScript loader, then runs the command line.
import { register } from "tsx/esm/api";

register();
await import("../cli.ts");
