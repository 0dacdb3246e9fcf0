import { distance } from "fastest-levenshtein";

/**
 * The known name nearest to what was typed, when near enough to be a slip of the keyboard: case ignored, at most a
 * third of the name's length in edits (and 3), or one name that contains the other (`sentinel-kill` for
 * `sentinel-master-kill`). Nothing when two are equally near: a guess between two is no help.
 */
export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  const t = typed.toLowerCase();
  const scored = known.map((k) => ({ k, d: distance(t, k.toLowerCase()) })).sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (!best) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(best.k.length / 3)));
  if (best.d <= limit && scored[1]?.d !== best.d) return best.k;
  const containing = known.filter((k) => t.length >= 3 && (k.toLowerCase().includes(t) || (k.length >= 3 && t.includes(k.toLowerCase()))));
  return containing.length === 1 ? containing[0] : undefined;
}

/** ` Did you mean "x"?`, or nothing. */
export function didYouMeanText(typed: string, known: readonly string[]): string {
  const m = didYouMean(typed, known);
  return m === undefined ? "" : ` Did you mean "${m}"?`;
}
