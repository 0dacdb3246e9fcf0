/**
 * Units: reading sizes and durations the way people write them, and writing every measured value the one way every
 * view (terminal, Markdown, HTML, JUnit, comparisons) shows it. Latency is kept in µs and shown in ms.
 */

/** "1gb", "512MB", "64k", 1024 -> bytes (binary units: that is what Redis's used_memory means). */
export function parseSize(input: string | number): number {
  if (typeof input === "number") return input;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(input);
  if (!m) throw new Error(`"${input}" is not a size: write it like 1gb, 256mb, 64kb or a number of bytes`);
  const scale = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2].toLowerCase() as "" | "k" | "m" | "g" | "t"];
  return Math.round(Number(m[1]) * scale);
}

/** "30s", "2m", "500ms", 30 -> seconds. */
export function parseDurationS(input: string | number): number {
  if (typeof input === "number") return input;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(input);
  if (!m) throw new Error(`"${input}" is not a duration: write it like 30s, 2m, 500ms or a number of seconds`);
  const scale = { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? "s").toLowerCase() as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * scale;
}

/** What a measured or budgeted number is: decides how it is written, everywhere. */
export type Unit = "ms" | "µs" | "fraction" | "writes" | "bytes" | "ops/s" | "req/s" | "KB/s" | "count";

/** A number as people read it: whole numbers whole (with separators), others with as many decimals as their size needs. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  const digits = a < 1 ? 3 : a < 100 ? 2 : a < 10_000 ? 1 : 0;
  return Number(v.toFixed(digits)).toLocaleString("en-US", { maximumFractionDigits: digits });
}

export function formatBytes(n: number): string {
  if (n < 0) return `-${formatBytes(-n)}`;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** "–" when there is nothing to show (an RTO that was not measured, a phase without operations). */
export const NONE = "–";

/** `v` in `unit`, as every view writes it; µs are shown as ms. */
export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || Number.isNaN(v)) return NONE;
  switch (unit) {
    case "ms":
      return `${formatNumber(v)} ms`;
    case "µs":
      return `${formatNumber(v / 1000)} ms`;
    case "fraction":
      return v === 0 ? "0%" : `${(v * 100).toFixed(3)}%`;
    case "writes":
      return `${formatNumber(Math.round(v))} ${Math.abs(Math.round(v)) === 1 ? "write" : "writes"}`;
    case "bytes":
      return formatBytes(v);
    case "ops/s":
    case "req/s":
    case "KB/s":
      return `${Math.round(v).toLocaleString("en-US")} ${unit}`;
    case "count":
      return formatNumber(v);
  }
}

/** Latency, kept in µs, shown in ms. */
export const formatUs = (us: number | null | undefined) => formatValue(us, "µs");
export const formatMs = (ms: number | null | undefined) => formatValue(ms, "ms");
export const formatCount = (n: number | null | undefined) => formatValue(n, "count");
export const formatFraction = (f: number | null | undefined) => formatValue(f, "fraction");

/** A relative change, signed: "+12.5%", "-3.0%". */
export function formatPercentChange(x: number, signed = true): string {
  const v = x * 100;
  const digits = Math.abs(v) < 10 ? 1 : 0;
  return `${signed && v > 0 ? "+" : ""}${v.toFixed(digits)}%`;
}

/** A time on the run clock, in seconds: "12.345 s". */
export const formatAtS = (ms: number | null | undefined, digits = 3) => (ms === null || ms === undefined ? NONE : `${(ms / 1000).toFixed(digits)} s`);
