import test from "ava";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import type { UpgradeDetails } from "../../harness/faults/upgrade.js";
import type { RunReport } from "../../harness/report/types.js";
import type { UpgradeDecision } from "../../harness/study/upgrade-decision.js";
import { ARTIFACTS, launchChromium, openPage } from "../helpers/browser.js";
import { cli } from "../helpers/cli.js";

// `upgrade` for real: Sentinel from Redis 7.0 to 8.0 under load (suites/upgrade.json's sentinel-rolling-upgrade, with
// the way back tried at its end) and the crash trap on the same roll; the go/no-go page opened in headless Chromium.
// The performance runs are left out here (--no-performance): they are `matrix`'s, tested with it.

let browser: Browser;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
});

const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

test.serial(
  "upgrade sentinel 7.0 → 8.0: GO with nothing lost; no way back once 8.0 has saved, and the crash trap refused, each in the server's words",
  async (t) => {
    const r = await cli([
      "upgrade",
      "--topology",
      "sentinel",
      "--from",
      "redis-chaos/redis:7.0",
      "--to",
      "redis-chaos/redis:8.0",
      "--no-performance",
      "--quiet",
    ]);
    t.log(r.stdout);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^GO: the rolling upgrade of sentinel from 7\.0\.\d+ to 8\.0\.\d+ lost no acknowledged write under load/);
    const page = /go\/no-go: (\S+)/.exec(r.stdout)![1];
    const dir = path.dirname(page);
    const { decision: d } = json<{ decision: UpgradeDecision }>(path.join(dir, "go-no-go.json"));

    // sentinel-rolling-upgrade's claims: every node on 8.0, the replicas resumed from their own save, the old 7.0
    // master followed the 8.0 one by a partial resync (paused and caught up before the handover).
    const roll = json<RunReport>(path.join(d.roll.dir!, "report.json"));
    t.is(roll.scenario.name, "sentinel-upgrade");
    const details = roll.faults[0].details as Partial<UpgradeDetails>;
    t.true(
      Object.values(details.versions ?? {}).every((v) => /^8\.0\./.test(v)),
      JSON.stringify(details.versions),
    );
    for (const n of details.order!.slice(0, 2))
      t.is(details.steps!.find((s) => s.node === n && s.step === "synced")?.sync, "partial", `${n} resumed from its save`);
    t.truthy(details.steps!.find((s) => s.node === details.oldPrimary && s.step === "rejoined"));
    t.is(d.roll.lost, 0);

    t.false(d.wayBack!.possible, "a replica given back to 7.0 with the RDB 8.0 saved did not start");
    t.regex(d.wayBack!.serverSaid ?? "", /Can't handle RDB format version 12/);
    t.regex(d.traps[0].serverSaid ?? "", /Can't handle RDB format version 12/, "the old master crashed mid-roll could not sync on 7.0");
    t.true(d.cautions.some((c) => c.startsWith("no way back once 8.0")));

    const shot = path.join(ARTIFACTS, "upgrade-go-no-go.png");
    const { errors, network } = await openPage(browser, page, shot);
    t.log(`screenshot: ${shot}`);
    t.deepEqual(errors, []);
    t.deepEqual(network, [], "the page fetched nothing");
    const html = readFileSync(page, "utf8");
    t.regex(html, /<h1>GO: upgrade sentinel from 7\.0\.\d+ to 8\.0\.\d+<\/h1>/, "its first line says go");
    t.regex(html, /<svg data-figure-svg="roll-steps"/);
  },
);
