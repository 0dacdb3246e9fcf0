import test from "ava";
import { agreement, backlogNeeded, outageHeld, resyncBoundary, spareS, type ResyncOutcome, type ResyncPoint } from "../../harness/study/resync-model.js";
import { resyncScenario, type ResyncStudy } from "../../harness/study/resync-study.js";
import { resyncStudyView, SEED_BACKLOG_ADVICE } from "../../harness/study/resync-study-view.js";
import { studyHtml, studyMarkdown } from "../../harness/study/study-page.js";

const MB = 2 ** 20;
/** 1,000 writes/s of 1,100 B of stream each: 1.1 MB of stream a second of cut. */
const BYTES_PER_WRITE = 1100;

/** A point as a run would give it: the stream of the cut from the rate, the outcome as given. */
function point(backlogBytes: number, outageS: number, outcome: ResyncOutcome, writeRate = 1000): ResyncPoint {
  return {
    backlogBytes,
    outageS,
    writeRate,
    valueBytes: 1024,
    replicas: 1,
    sync: "diskless",
    outcome,
    full: outcome === "full" ? 1 : 0,
    partial: outcome === "partial" ? 1 : 0,
    partialRefused: outcome === "full" ? 1 : 0,
    forks: outcome === "full" ? 1 : 0,
    streamBytesDuringCut: outcome === "resumed" ? 0 : writeRate * BYTES_PER_WRITE * outageS,
    bytesPerWrite: outcome === "resumed" ? 0 : BYTES_PER_WRITE,
    inSyncAfterHealMs: outcome === "full" ? 3000 : 200,
    p99BaselineMs: 1,
    p99AfterHealMs: outcome === "full" ? 40 : 1.2,
    maxAfterHealMs: outcome === "full" ? 90 : 3,
    run: `reports/run-${backlogBytes}-${outageS}`,
  };
}

// What the theory says: partial while the backlog holds the cut's stream and about a second more (the replica asks again
// within a second of the heal). 8 MB holds 3 s and 6 s at 1.1 MB/s; 1 MB holds neither; one point came back with no resync.
const POINTS = [point(MB, 1, "resumed"), point(MB, 3, "full"), point(8 * MB, 3, "partial"), point(MB, 6, "full"), point(8 * MB, 6, "partial")];

test("a point's spare: the seconds of stream its backlog held beyond the cut", (t) => {
  t.is(Math.round(spareS(point(8 * MB, 3, "partial")) * 100) / 100, Math.round(3 * ((8 * MB) / (3 * 1.1e6) - 1) * 100) / 100);
  t.true(spareS(point(MB, 3, "full")) < 0, "1 MB does not even hold the 3.3 MB of the cut");
  t.is(spareS(point(MB, 1, "resumed")), Number.POSITIVE_INFINITY, "no stream counted: no bound");
});

test("the boundary: full points bound the extra seconds from below, partial ones from above; resumed ones are not fitted", (t) => {
  const b = resyncBoundary(POINTS);
  t.is(b.bytesPerWrite, BYTES_PER_WRITE);
  t.is(b.fitted, 4);
  t.is(b.resumed, 1);
  t.true(b.consistent);
  t.is(b.extraS.above, Math.max(spareS(POINTS[1]), spareS(POINTS[3])));
  t.is(b.extraS.atMost, Math.min(spareS(POINTS[2]), spareS(POINTS[4])));
  t.deepEqual(agreement(b, POINTS), { agree: 4, of: 4 }, "every fitted point on the side the boundary puts it");
});

test("the answers: the backlog an outage needs grows with the outage and the rate; the default 1 MB holds a fraction of a second here", (t) => {
  const b = resyncBoundary(POINTS);
  const extra = b.extraS.atMost!;
  t.is(backlogNeeded(b, 10, 1000), Math.ceil(1000 * BYTES_PER_WRITE * (10 + extra)));
  t.is(backlogNeeded(b, 10, 2000), Math.ceil(2000 * BYTES_PER_WRITE * (10 + extra)));
  const held = outageHeld(b, MB, 1000)!;
  t.true(held >= 0 && held < 1, `1 MB at 1.1 MB/s: ${held} s`);
  t.is(backlogNeeded(b, outageHeld(b, 8 * MB, 1000)!, 1000), 8 * MB, "the two answers are each other's inverse");
});

test("a full point with more spare than a partial one: no boundary, and no answer rather than a wrong one", (t) => {
  const contradictory = [...POINTS, point(16 * MB, 3, "full")];
  const b = resyncBoundary(contradictory);
  t.false(b.consistent);
  t.is(backlogNeeded(b, 5, 1000), null);
  const md = studyMarkdown(resyncStudyView(study(contradictory)));
  t.regex(md, /Not shown: a full resync held more spare backlog than a partial one/);
});

test("only full points: the boundary has a floor and no ceiling, so nothing is sized and the verdict says what to add", (t) => {
  const b = resyncBoundary([point(MB, 3, "full"), point(MB, 6, "full")]);
  t.is(b.extraS.atMost, null);
  t.is(backlogNeeded(b, 3, 1000), null);
  t.regex(studyMarkdown(resyncStudyView(study([point(MB, 3, "full")]))), /Not shown: .* needs both a partial and a full resync/);
});

function study(points: ResyncPoint[]): ResyncStudy {
  return {
    kind: "resync",
    backlogs: [MB, 8 * MB],
    outages: [1, 3, 6],
    rates: [1000],
    replicas: [1],
    syncs: ["diskless"],
    valueBytes: 1024,
    datasetBytes: 64 * MB,
    points,
    skipped: [{ point: "1 MB, 9 s", reason: "the run failed" }],
    boundary: resyncBoundary(points),
  };
}

test("the page answers the seed's advice first, sizes the backlog per outage and rate, and draws the boundary", (t) => {
  const v = resyncStudyView(study(POINTS));
  const md = studyMarkdown(v);
  t.true(md.includes(SEED_BACKLOG_ADVICE));
  t.regex(md, /Not the measure that decides it\. .* 4 of 4 points fall on the side the boundary puts them/);
  t.regex(md, /1 point came back with no resync at all/);
  t.regex(md, /\| 60 s \|/, "the table extrapolates to a minute");
  t.regex(md, /the default 1 MB holds/);
  t.regex(md, /Skipped: 1 MB, 9 s: the run failed/);
  t.deepEqual(
    v.charts.map((c) => c.id),
    ["boundary", "cost"],
  );
  const html = studyHtml(v);
  t.regex(html, /data-chart="boundary"/);
});

test("a point's scenario: the master cut off from its replicas with its clients kept, writes only, of the study's value size", (t) => {
  const s = resyncScenario({ backlogBytes: 8 * MB, outageS: 3, writeRate: 2000, replicas: 2, sync: "disk" }, 1024, 64 * MB);
  t.is(s.topology.config["repl-backlog-size"], String(8 * MB));
  t.is(s.workload.valueBytes, 1024);
  t.is(s.topology.config["repl-diskless-sync"], "no");
  t.is(s.workload.readRatio, 0);
  t.like(s.faults[0], { kind: "partition", target: "primary", clients: "keep", for: 3 });
  t.true(s.workload.duration > s.faults[0].at + 3, "the load outlasts the cut");
});
