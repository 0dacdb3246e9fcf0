import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
// TypeScript 7 checks the types (npm run typecheck); its JavaScript API is still unstable, so the sources are read with
// TypeScript 5's compiler API, kept under the alias typescript-5.
import ts from "typescript-5";
import { FAULTS } from "../../harness/faults/registry.js";
import { TOPOLOGIES } from "../../harness/topology/registry.js";
import { WORKLOADS } from "../../harness/workload/registry.js";

// Two rules of harness/README.md, read from the sources themselves with TypeScript's own scanner and parser, so that a
// new file cannot slip past them: the folders of harness/ form layers, imported only downwards in the order the README
// declares; and a registered kind (a topology, a fault, a workload) is named in its own definition file and nowhere
// else, so that adding one is its file and one line of its registry.

const ROOT = path.resolve("harness");
const rel = (file: string) => path.relative(process.cwd(), file).split(path.sep).join("/");

function sources(dir: string, ext = /\.(ts|js)$/): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p, ext);
    return ext.test(name) ? [p] : [];
  });
}

// --- the layers ---

/** The top folder of harness/ a file belongs to ("cli.ts" for harness/cli.ts, the one file at the top). */
const folderOf = (file: string) => path.relative(ROOT, file).split(path.sep).slice(0, -1)[0] ?? "cli.ts";

/**
 * The order harness/README.md declares ("Imports go one way, down this order: `infra` → `security` → … → `cli.ts`"),
 * lowest first. A line break may fall anywhere in the sentence.
 */
export function declaredOrder(readme: string): string[] {
  const chain = /down this order:((?:\s*`[^`]+`\s*→)+\s*`[^`]+`)/.exec(readme);
  if (!chain) throw new Error('harness/README.md no longer says "Imports go one way, down this order: `a` → `b` → …"');
  return [...chain[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

interface Edge {
  from: string;
  to: string;
  /** The first file:line that imports across it. */
  at: string;
}

/** Every import from one top folder into another (relative imports inside harness/ only). */
export function folderEdges(): Edge[] {
  const edges = new Map<string, Edge>();
  for (const file of sources(ROOT)) {
    const text = readFileSync(file, "utf8");
    const from = folderOf(file);
    for (const imp of ts.preProcessFile(text, true, true).importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), imp.fileName);
      if (!target.startsWith(ROOT + path.sep)) continue;
      const to = folderOf(target);
      const key = `${from} -> ${to}`;
      if (to !== from && !edges.has(key)) edges.set(key, { from, to, at: `${rel(file)}:${lineOf(text, imp.pos)}` });
    }
  }
  return [...edges.values()];
}

const lineOf = (text: string, pos: number) => text.slice(0, pos).split("\n").length;

/** Imports that go up the order or sideways into a folder the order does not name: each as "from -> to (file:line)". */
export function upwardImports(edges: Edge[], order: string[]): string[] {
  const rank = (f: string) => order.indexOf(f);
  return edges.filter((e) => rank(e.from) < 0 || rank(e.to) < 0 || rank(e.to) > rank(e.from)).map((e) => `${e.from} -> ${e.to} (${e.at})`);
}

test("harness/README.md declares every folder of harness/ in its layer order, and nothing else", (t) => {
  const order = declaredOrder(readFileSync(path.join(ROOT, "README.md"), "utf8"));
  const folders = readdirSync(ROOT).filter((n) => statSync(path.join(ROOT, n)).isDirectory() && sources(path.join(ROOT, n)).length > 0);
  t.deepEqual([...order].sort(), [...folders, "cli.ts"].sort());
});

test("every import goes down the layer order harness/README.md declares", (t) => {
  const order = declaredOrder(readFileSync(path.join(ROOT, "README.md"), "utf8"));
  t.deepEqual(upwardImports(folderEdges(), order), [], `the order: ${order.join(" → ")}`);
});

test("the layer check reads the README's sentence across a line break and names an import up the order", (t) => {
  const order = declaredOrder("Imports go one way, down this order: `infra` → `topology` →\n`study` → `cli.ts`. Then more.");
  t.deepEqual(order, ["infra", "topology", "study", "cli.ts"]);
  const edges: Edge[] = [
    { from: "study", to: "topology", at: "harness/study/a.ts:1" },
    { from: "topology", to: "study", at: "harness/topology/b.ts:3" },
    { from: "bench", to: "infra", at: "harness/bench/c.ts:2" },
  ];
  t.deepEqual(upwardImports(edges, order), ["topology -> study (harness/topology/b.ts:3)", "bench -> infra (harness/bench/c.ts:2)"]);
});

// --- kind literals ---

/** A registered name, and the definition file that alone may write it as a string. */
interface Kind {
  word: string;
  what: string;
  home: string;
  /** Counts only where it names its field (`keys: "…"`, `… .keys === "…"`): see NARROW. */
  field?: string;
}

/**
 * Where each kind is defined: the file whose `defineTopology({ kind: "…" })`, `defineFault({ kind: "…" })` or
 * `defineWorkload({ keys: "…" })` writes it. The registries' values say which kinds exist; their definitions say where.
 */
const DEFINERS: Record<string, { field: string; what: string }> = {
  defineTopology: { field: "kind", what: "topology kind" },
  defineFault: { field: "kind", what: "fault kind" },
  defineWorkload: { field: "keys", what: "workload" },
};

/**
 * Workload names are plain words of other vocabularies ("dataset" is also the scenario's dataset section, its field
 * paths, the --dataset flag and a requirement of the recommendation), and a workload is named only through
 * `workload.keys`: such a name counts where it is given to, or compared with, a `keys` field. Topology and fault kinds
 * count anywhere but in the few other vocabularies below: a list of kinds (`["standalone", "cluster"]`) names them too.
 */
const NARROW: Record<string, boolean> = { workload: true };

function definitionsIn(file: string, text: string): Kind[] {
  const out: Kind[] = [];
  const visit = (n: ts.Node) => {
    if (
      ts.isCallExpression(n) &&
      ts.isIdentifier(n.expression) &&
      DEFINERS[n.expression.text] &&
      n.arguments[0] &&
      ts.isObjectLiteralExpression(n.arguments[0])
    ) {
      const { field, what } = DEFINERS[n.expression.text];
      for (const p of n.arguments[0].properties)
        if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === field && ts.isStringLiteral(p.initializer))
          out.push({ word: p.initializer.text, what, home: file, ...(NARROW[what] ? { field } : {}) });
    }
    ts.forEachChild(n, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  return out;
}

/**
 * Some kind names are words of other vocabularies too. Where the other vocabulary is written, the literal is that word,
 * not the kind; each is recognised by the syntax around the literal, never by the file, so that a kind written
 * anywhere else in the same file is still found:
 *  - a Redis INFO section ("replication"): the argument of a call to a method `info`;
 *  - a timeline event kind (measure/timeline.ts: "sentinel" is what a Sentinel announced): the first argument of
 *    `<…>timeline.add(…)`, the second of `eventsOf(…)`, and a `case` of a switch over the `kind` of a parameter typed
 *    TimelineEvent;
 *  - a chart of the HTML report ("replication" lag, "cluster" state): the argument of chartSection(…);
 *  - a command of the command line (`upgrade`): the first argument of `<…>.command(…)`;
 *  - a suite, a file in suites/ (`upgrade.json`): the first argument of loadSuite(…).
 * One exception is by file: faults/targets.ts lists the nodes a fault can target, and its "sentinel" is a node's role
 * (a Sentinel process), a value scenarios write (`target: "sentinel"`); renaming it would break every scenario file.
 */
const BY_FILE: Record<string, string[]> = { "harness/faults/targets.ts": ["sentinel"] };

function otherVocabulary(lit: ts.StringLiteralLike): boolean {
  const call = lit.parent;
  if (ts.isCallExpression(call) && call.arguments.includes(lit as ts.Expression)) {
    const callee = call.expression;
    const arg = call.arguments.indexOf(lit as ts.Expression);
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "info") return true;
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "add" && /timeline$/i.test(callee.expression.getText()) && arg === 0) return true;
    if (ts.isIdentifier(callee) && callee.text === "eventsOf" && arg === 1) return true;
    if (ts.isIdentifier(callee) && callee.text === "chartSection" && arg === 0) return true;
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === "command" && arg === 0) return true;
    if (ts.isIdentifier(callee) && callee.text === "loadSuite" && arg === 0) return true;
  }
  if (ts.isCaseClause(call) && call.expression === lit) return switchesOnTimelineEvent(call.parent.parent);
  return false;
}

/** `switch (e.kind)` where `e` is a parameter of the enclosing function typed TimelineEvent. */
function switchesOnTimelineEvent(s: ts.SwitchStatement): boolean {
  const x = s.expression;
  if (!ts.isPropertyAccessExpression(x) || x.name.text !== "kind" || !ts.isIdentifier(x.expression)) return false;
  const name = x.expression.text;
  for (let n: ts.Node | undefined = s; n; n = n.parent)
    if (ts.isFunctionLike(n))
      return n.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === name && p.type !== undefined && p.type.getText() === "TimelineEvent");
  return false;
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);
const isField = (n: ts.Node, field: string) => ts.isPropertyAccessExpression(n) && n.name.text === field;

/** The literal is given to a field named `field`, or compared with one (`x.field === "…"`, `case` of `switch (x.field)`). */
function namesField(lit: ts.StringLiteralLike, field: string): boolean {
  const p = lit.parent;
  if (ts.isPropertyAssignment(p) && p.initializer === lit) return (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === field;
  if (ts.isBinaryExpression(p) && COMPARISONS.has(p.operatorToken.kind)) return isField(p.left === lit ? p.right : p.left, field);
  if (ts.isCaseClause(p) && p.expression === lit) return isField(p.parent.parent.expression, field);
  return false;
}

/** Each string literal (not a comment, not a name) in `text` that is a kind outside its definition file, as file:line. */
export function kindLiterals(file: string, text: string, kinds: Kind[]): string[] {
  const out: string[] = [];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
      const mine = kinds.filter((k) => k.word === n.text && (k.field === undefined || namesField(n, k.field)));
      if (mine.length && !mine.some((k) => k.home === file) && !BY_FILE[file]?.includes(n.text) && !otherVocabulary(n))
        out.push(
          `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: "${n.text}" (${mine.map((k) => `${k.what}, defined in ${k.home}`).join("; ")})`,
        );
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Every registered kind with its definition file; a registered kind no definition file writes is an error of its own. */
function registeredKinds(files: Map<string, string>): { kinds: Kind[]; homeless: string[] } {
  const defined = [...files].flatMap(([file, text]) => definitionsIn(file, text));
  const registered = [
    ...TOPOLOGIES.map((d) => ({ word: d.kind as string, what: "topology kind" })),
    ...FAULTS.map((d) => ({ word: d.kind as string, what: "fault kind" })),
    ...WORKLOADS.map((d) => ({ word: d.keys as string, what: "workload" })),
  ];
  const kinds = defined.filter((d) => registered.some((r) => r.word === d.word && r.what === d.what));
  return { kinds, homeless: registered.filter((r) => !kinds.some((k) => k.word === r.word && k.what === r.what)).map((r) => `${r.what} ${r.word}`) };
}

test("no topology kind, fault kind or workload name is written as a string outside its own definition file", (t) => {
  const files = new Map(sources(ROOT, /\.ts$/).map((f) => [rel(f), readFileSync(f, "utf8")]));
  const { kinds, homeless } = registeredKinds(files);
  t.deepEqual(homeless, [], "registered, but no define call writes it");
  const found = [...files].flatMap(([file, text]) => kindLiterals(file, text, kinds));
  t.deepEqual(found, [], `kinds named outside their own file:\n${found.join("\n")}`);
});

test("the kind-literal check finds a planted literal, and passes comments, names, other vocabularies and the kind's own file", (t) => {
  const kinds: Kind[] = [
    { word: "sentinel", what: "topology kind", home: "harness/topology/sentinel.ts" },
    { word: "replication", what: "topology kind", home: "harness/topology/replication.ts" },
    { word: "bgsave", what: "fault kind", home: "harness/faults/bgsave.ts" },
    { word: "dataset", what: "workload", home: "harness/workload/key-value.ts", field: "keys" },
  ];
  const src = [
    '// a comment naming "sentinel" is no literal',
    'if (topology.kind === "sentinel") open();',
    'const spec = { kind: "bgsave", sentinel: 1 };',
    'await node.info("replication");',
    'ctx.timeline.add("sentinel", { channel });',
    'seen.add("sentinel");',
    'const said = eventsOf(events, "sentinel");',
    'function marker(e: TimelineEvent) { switch (e.kind) { case "sentinel": return 1; } }',
    'function other(e: Topology) { switch (e.kind) { case "sentinel": return 1; } }',
    "type K = `sentinel` | 'replication';",
    'issues.push({ path: ["dataset", "size"] }); const w = { keys: "dataset" };',
    'if (s.workload.keys !== "dataset") flag("dataset");',
  ].join("\n");
  t.deepEqual(kindLiterals("harness/workload/planted.ts", src, kinds), [
    'harness/workload/planted.ts:2: "sentinel" (topology kind, defined in harness/topology/sentinel.ts)',
    'harness/workload/planted.ts:3: "bgsave" (fault kind, defined in harness/faults/bgsave.ts)',
    'harness/workload/planted.ts:6: "sentinel" (topology kind, defined in harness/topology/sentinel.ts)',
    'harness/workload/planted.ts:9: "sentinel" (topology kind, defined in harness/topology/sentinel.ts)',
    'harness/workload/planted.ts:10: "sentinel" (topology kind, defined in harness/topology/sentinel.ts)',
    'harness/workload/planted.ts:10: "replication" (topology kind, defined in harness/topology/replication.ts)',
    'harness/workload/planted.ts:11: "dataset" (workload, defined in harness/workload/key-value.ts)',
    'harness/workload/planted.ts:12: "dataset" (workload, defined in harness/workload/key-value.ts)',
  ]);
  t.deepEqual(kindLiterals("harness/topology/sentinel.ts", 'const kind = "sentinel";', kinds), [], "its own file");
  t.deepEqual(definitionsIn("harness/faults/x.ts", 'export const x = defineFault({ kind: "x", schema });'), [
    { word: "x", what: "fault kind", home: "harness/faults/x.ts" },
  ]);
  t.deepEqual(definitionsIn("harness/workload/y.ts", 'export const y = defineWorkload({ keys: "y" });'), [
    { word: "y", what: "workload", home: "harness/workload/y.ts", field: "keys" },
  ]);
});
