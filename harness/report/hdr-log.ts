import * as hdr from "hdr-histogram-js";
import type { Recorder } from "../measure/recorder.js";

/**
 * The latency of every second as an HdrHistogram interval log (the format HistogramLogProcessor, HdrHistogramVisualizer
 * and hdr-plot read): one line per second, values in µs, max scaled to ms. Tagged "latency" (from intended start) and
 * "service" (from the actual send).
 */
export function hdrIntervalLog(recorder: Recorder, loadStartEpochMs: number): string {
  const lines: string[] = [];
  const writer = new hdr.HistogramLogWriter((s: string) => lines.push(s));
  writer.outputComment("redis-chaos-harness: per-second latency in microseconds (tag latency: from the intended start; tag service: from the send)");
  writer.outputLogFormatVersion();
  writer.outputStartTime(loadStartEpochMs);
  writer.outputLegend();
  for (const { second, stats } of recorder.seconds()) {
    for (const [tag, h] of [
      ["latency", stats.latency],
      ["service", stats.service],
    ] as const) {
      if (h.totalCount === 0) continue;
      h.tag = tag;
      writer.outputIntervalHistogram(h, second, second + 1, 1000);
    }
  }
  return lines.join("");
}
