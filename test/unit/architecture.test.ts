import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

// The folders of harness/ form layers: a folder may import from the folders below it, never from one that imports it
// back. Read from the sources themselves (TypeScript's own import scanner), so a new file cannot slip a cycle in.

const ROOT = path.resolve("harness");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.(ts|js)$/.test(name) ? [p] : [];
  });
}

/** The top folder of harness/ a file belongs to ("." for harness/cli.ts). */
const folderOf = (file: string) => path.relative(ROOT, file).split(path.sep).slice(0, -1)[0] ?? ".";

/** folder -> folders it imports from (only relative imports inside harness/). */
export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(ROOT)) {
    const from = folderOf(file);
    const deps = graph.get(from) ?? new Set<string>();
    graph.set(from, deps);
    for (const imp of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), imp.fileName);
      if (!target.startsWith(ROOT + path.sep)) continue;
      const to = folderOf(target);
      if (to !== from) deps.add(to);
    }
  }
  return graph;
}

/** Every cycle, as the list of folders on it (Tarjan's strongly connected components larger than one folder). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test("no import cycle between the folders of harness/", (t) => {
  const graph = folderGraph();
  const found = cycles(graph);
  const edges = (scc: string[]) =>
    scc.flatMap((a) => [...(graph.get(a) ?? [])].filter((b) => scc.includes(b)).map((b) => `${a} -> ${b}`)).join(", ");
  t.deepEqual(found.map(edges), [], "folders that import each other");
});

test("the cycle finder sees a cycle when there is one", (t) => {
  const g = new Map([
    ["a", new Set(["b"])],
    ["b", new Set(["c"])],
    ["c", new Set(["a"])],
    ["d", new Set(["a"])],
  ]);
  t.deepEqual(cycles(g), [["a", "b", "c"]]);
});
