import test from "ava";
import { readFileSync } from "node:fs";
import path from "node:path";
import { reportProblems } from "../../harness/report/report-schema.js";
import { FIXTURES, fixtureText } from "../helpers/synthetic-run.js";

// The report fixtures are made by a script (npm run fixtures) from synthetic runs through buildReport, never by hand:
// when the report's format changes, this fails until they are made again.
for (const [file, spec] of Object.entries(FIXTURES)) {
  test(`${file} is what npm run fixtures makes now, and a valid report`, (t) => {
    const text = readFileSync(path.resolve("test/fixtures", file), "utf8");
    t.true(text === fixtureText(spec), "stale fixture: run `npm run fixtures`");
    t.deepEqual(reportProblems(JSON.parse(text)), []);
  });
}
