// Draws the charts of a run's HTML report (harness/report/html.ts inlines this file after uPlot).
// Plain browser JavaScript, no build step: the data arrives chart-ready as JSON in #report-data,
// so this script only maps it onto uPlot options and paints the fault windows and event markers.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const px = () => uPlot.pxRatio || window.devicePixelRatio || 1;
  const HEIGHT = 320;
  const STRIP_HEIGHT = 150;

  const num = (v, digits) => +v.toPrecision(digits);
  const formats = {
    ms: (v) => (v >= 1000 ? num(v / 1000, 3) + " s" : num(v, 3) + " ms"),
    "ops/s": (v) => Math.round(v).toLocaleString("en-US"),
    "req/s": (v) => Math.round(v).toLocaleString("en-US"),
    nodes: (v) => String(Math.round(v)),
    "%": (v) => num(v, 3) + " %",
    bytes: (v) => {
      const units = ["B", "KiB", "MiB", "GiB"];
      let i = 0;
      while (Math.abs(v) >= 1024 && i < units.length - 1) (v /= 1024), i++;
      return num(v, 3) + " " + units[i];
    },
  };

  // Painted right after uPlot clears the canvas, so grid and lines are drawn over the shading.
  const shadeWindows = (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    for (const w of data.windows) {
      const x0 = Math.max(bbox.left, u.valToPos(w.fromS, "x", true));
      const x1 = Math.min(bbox.left + bbox.width, u.valToPos(w.toS, "x", true));
      if (x1 <= x0) continue;
      ctx.fillStyle = w.color;
      ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
    }
    ctx.restore();
  };

  // Dashed lines at timeline events. Each label takes the first row where it does not overprint its left
  // neighbour; a label that fits in no row is left off the canvas (the table under the chart lists every marker).
  const LABEL_ROWS = 5;
  const drawMarkers = (withLabels) => (u) => {
    const { ctx, bbox } = u;
    const p = px();
    const rowEnds = [];
    ctx.save();
    ctx.font = 11 * p + "px system-ui, sans-serif";
    ctx.textAlign = "left"; // uPlot leaves its axis labels' alignment on the context
    ctx.textBaseline = "top";
    data.markers.forEach((m) => {
      const x = Math.round(u.valToPos(m.tS, "x", true)) + 0.5;
      if (x < bbox.left || x > bbox.left + bbox.width) return;
      ctx.strokeStyle = "rgba(55, 65, 81, 0.6)";
      ctx.lineWidth = p;
      ctx.setLineDash([4 * p, 3 * p]);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      if (!withLabels) return;
      const w = ctx.measureText(m.label).width + 6 * p;
      const left = Math.min(x + 2 * p, bbox.left + bbox.width - w);
      let row = rowEnds.findIndex((end) => left > end + 4 * p);
      if (row === -1 && rowEnds.length < LABEL_ROWS) row = rowEnds.length;
      if (row === -1) return;
      rowEnds[row] = left + w;
      const y = bbox.top + (4 + row * 16) * p;
      ctx.fillStyle = "rgba(255, 255, 255, 0.75)";
      ctx.fillRect(left, y, w, 14 * p);
      ctx.fillStyle = "#374151";
      ctx.fillText(m.label, left + 3 * p, y + p);
    });
    ctx.restore();
  };

  // Log axis ticks and grid at powers of ten only: uPlot's default 1..9 per decade greys out the plot.
  const decades = (u, axisIdx, min, max) => {
    const out = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      const v = 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) out.push(+v.toPrecision(1));
    }
    return out;
  };

  function options(spec, width, height) {
    const fmt = formats[spec.unit];
    const yRange = spec.logY ? undefined : (u, min, max) => [0, spec.yMax ?? (max > 0 ? max * 1.1 : 1)];
    return {
      width,
      height,
      cursor: { sync: { key: "run" } },
      scales: {
        x: { time: false, range: [0, data.endS] },
        y: spec.logY ? { distr: 3, log: 10 } : { range: yRange },
      },
      axes: [
        { label: "seconds since the load started", grid: { stroke: "#eceff3" } },
        {
          label: spec.unit,
          size: 70,
          grid: { stroke: "#eceff3" },
          values: (u, splits) => splits.map((v) => (v == null ? "" : fmt(v))),
          ...(spec.unit === "nodes" ? { incrs: [1, 2, 5, 10] } : {}),
          ...(spec.logY ? { splits: decades } : {}),
        },
      ],
      series: [
        { label: "t (s)", value: (u, v) => (v == null ? "–" : v.toFixed(1)) },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          ...(s.dash ? { dash: s.dash.map((d) => d * px()) } : {}),
          points: { show: !spec.stepped && spec.x.length < 200 },
          paths: spec.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
          value: (u, v) => (v == null ? "–" : fmt(v)),
        })),
      ],
      hooks: { drawClear: [shadeWindows], draw: [drawMarkers(!!spec.markerLabels)] },
    };
  }

  /** uPlot's column data; a per-second step needs one closing point to cover its last second. */
  function columns(spec) {
    const x = spec.x.slice();
    const ys = spec.series.map((s) => s.values.map((v) => (spec.logY && !(v > 0) ? null : v)));
    if (spec.stepped && x.length) {
      x.push(x[x.length - 1] + 1);
      ys.forEach((y) => y.push(y[y.length - 1]));
    }
    return [x, ...ys];
  }

  // One chart per section; a chart with a strip (the app's errors under its latency) draws a second, lower plot.
  const drawn = [];
  let charts = 0;
  const draw = (el, spec, height) => drawn.push({ el, height, plot: new uPlot(options(spec, el.clientWidth, height), columns(spec), el) });
  for (const [kind, spec] of Object.entries(data.charts)) {
    const el = document.querySelector('[data-chart="' + kind + '"] .plot.main');
    if (!el) continue;
    draw(el, spec, HEIGHT);
    const stripEl = spec.strip && el.parentElement.querySelector(".plot.strip");
    if (stripEl) draw(stripEl, spec.strip, STRIP_HEIGHT);
    charts++;
  }
  window.addEventListener("resize", () => drawn.forEach(({ el, height, plot }) => plot.setSize({ width: el.clientWidth, height })));
  // uPlot paints in a microtask; the next frame comes after it, so a test waiting on this sees finished canvases.
  requestAnimationFrame(() => (document.body.dataset.chartsRendered = String(charts)));
})();
