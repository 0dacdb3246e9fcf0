import test from "ava";
import { readFileSync } from "node:fs";
import { FAULTS } from "../../harness/faults/registry.js";
import { faultTableMarkdown, withFaultTable } from "../../harness/scenario/fault-reference.js";

// docs/scenarios.md's fault table is the registry's: every fault, its fields with their choices and defaults, what
// it does. A fault added or changed without `npm run docs` fails here.

test("docs/scenarios.md holds the fault table the registry makes (run `npm run docs` after changing a fault)", (t) => {
  const text = readFileSync("docs/scenarios.md", "utf8");
  t.is(text, withFaultTable(text));
});

test("the table has a row per registered fault, naming its fields and their choices", (t) => {
  const table = faultTableMarkdown();
  for (const f of FAULTS) t.true(table.includes(`| \`${f.kind}\` |`), f.kind);
  t.regex(table, /`target` \(`primary`, `replica`, `sentinel`, `shard`\) = "primary"/, "a kill's targets and its default");
  t.throws(() => withFaultTable("# no markers here"), { message: /markers are missing/ });
});
