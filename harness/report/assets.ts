import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { raw, type SafeHtml } from "./template.js";

let assets: { uplotJs: string; uplotCss: string; markerLabelsJs: string; chartsJs: string; xyChartsJs: string; css: string } | undefined;

/** uPlot, the chart script and the stylesheet, read once and inlined: a page must not need the network. */
function load(): NonNullable<typeof assets> {
  if (!assets) {
    const require = createRequire(import.meta.url);
    const read = (p: string) => readFileSync(p, "utf8");
    const here = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));
    assets = {
      uplotJs: read(require.resolve("uplot/dist/uPlot.iife.min.js")),
      uplotCss: read(require.resolve("uplot/dist/uPlot.min.css")),
      markerLabelsJs: read(here("marker-labels.js")),
      chartsJs: read(here("html-charts.js")),
      xyChartsJs: read(here("xy-charts.js")),
      css: read(here("style.css")),
    };
    // Inline scripts and styles end at the first "</script" or "</style": an asset holding one would break the page.
    for (const [name, text] of Object.entries(assets))
      if (/<\/(script|style)/i.test(text)) throw new Error(`${name} contains a closing tag and cannot be inlined`);
  }
  return assets;
}

/** The one stylesheet, as a <style> element. */
export const styleElement = (): SafeHtml => raw(`<style>${load().css}</style>`);

/**
 * uPlot's stylesheet, its library and the chart script: what a page with charts adds (a run's time charts, with the
 * marker labels' layout before them in the same script, or a study's x–y charts).
 */
export const chartAssets = (kind: "run" | "xy" = "run") => {
  const a = load();
  return {
    css: raw(`<style>${a.uplotCss}</style>`),
    scripts: raw(`<script>${a.uplotJs}</script>\n<script>${kind === "run" ? `${a.markerLabelsJs}\n${a.chartsJs}` : a.xyChartsJs}</script>`),
  };
};
