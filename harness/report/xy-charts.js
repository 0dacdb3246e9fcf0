// Draws the x–y charts of a study page (harness/study/study-page.ts inlines this file after uPlot).
// Plain browser JavaScript, no build step: the data arrives chart-ready in #report-data (report/xy-chart.ts),
// so this script maps it onto uPlot options and paints the reference lines.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const px = () => uPlot.pxRatio || window.devicePixelRatio || 1;
  const HEIGHT = 360;

  const num = (v, digits) => +v.toPrecision(digits);
  const formats = {
    ms: (v) => (v >= 1000 ? num(v / 1000, 3) + " s" : num(v, 3) + " ms"),
    "ops/s": (v) => Math.round(v).toLocaleString("en-US"),
    writes: (v) => (Number.isInteger(v) ? v.toLocaleString("en-US") : ""),
    GiB: (v) => num(v, 3) + " GiB",
    count: (v) => num(v, 4).toLocaleString("en-US"),
    fraction: (v) => num(v * 100, 3) + "%",
    night: (v) => (Number.isInteger(v) ? String(v) : ""),
    bytes: (v) => {
      const units = ["B", "KiB", "MiB", "GiB"];
      let i = 0;
      while (Math.abs(v) >= 1024 && i < units.length - 1) (v /= 1024), i++;
      return num(v, 3) + " " + units[i];
    },
  };

  // Reference lines (a claim's threshold, a size of interest), dashed, with their label; drawn over the series.
  const drawRefs = (spec) => (u) => {
    const { ctx, bbox } = u;
    const p = px();
    ctx.save();
    ctx.font = 11 * p + "px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.lineWidth = p;
    ctx.setLineDash([6 * p, 4 * p]);
    spec.refs.forEach((r, k) => {
      const pos = Math.round(u.valToPos(r.at, r.axis, true)) + 0.5;
      const inside = r.axis === "y" ? pos >= bbox.top && pos <= bbox.top + bbox.height : pos >= bbox.left && pos <= bbox.left + bbox.width;
      if (!inside) return;
      ctx.strokeStyle = r.color;
      ctx.beginPath();
      if (r.axis === "y") ctx.moveTo(bbox.left, pos), ctx.lineTo(bbox.left + bbox.width, pos);
      else ctx.moveTo(pos, bbox.top), ctx.lineTo(pos, bbox.top + bbox.height);
      ctx.stroke();
      ctx.fillStyle = r.color;
      if (r.axis === "y") ctx.fillText(r.label, bbox.left + 6 * p, pos - 2 * p);
      else ctx.fillText(r.label, pos + 4 * p, bbox.top + (14 + 14 * k) * p);
    });
    ctx.restore();
  };

  const decades = (u, axisIdx, min, max) => {
    const out = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(+v.toPrecision(1));
      }
    }
    return out;
  };

  // A scale's range: from zero (or the data's least positive value on a log axis) to past the reference lines.
  const range = (spec, axis) => (u, min, max) => {
    const refs = spec.refs.filter((r) => r.axis === axis).map((r) => r.at);
    const hi = Math.max(max, ...refs);
    if (!(axis === "x" ? spec.logX : spec.logY)) return [Math.min(0, min), hi > 0 ? hi * 1.08 : 1];
    const lo = Math.min(min, ...refs.filter((v) => v > 0));
    return [lo / 1.5, hi * 1.5];
  };

  function options(spec, width) {
    const fx = formats[spec.xUnit];
    const fy = formats[spec.yUnit];
    const scale = (axis, log) => ({ time: false, range: range(spec, axis), ...(log ? { distr: 3, log: 10 } : {}) });
    return {
      width,
      height: HEIGHT,
      scales: { x: scale("x", spec.logX), y: scale("y", spec.logY) },
      axes: [
        {
          label: spec.xLabel,
          grid: { stroke: "#eceff3" },
          values: (u, s) => s.map((v) => (v == null ? "" : fx(v))),
          ...(spec.logX ? { splits: decades } : {}),
        },
        {
          label: spec.yUnit,
          size: 76,
          grid: { stroke: "#eceff3" },
          values: (u, s) => s.map((v) => (v == null ? "" : fy(v))),
          ...(spec.logY ? { splits: decades } : {}),
        },
      ],
      series: [
        { label: spec.xLabel, value: (u, v) => (v == null ? "–" : fx(v)) },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.kind === "band" ? s.color + "55" : s.color,
          width: s.kind === "points" ? 0 : s.kind === "band" ? 1 : 2,
          spanGaps: s.kind !== "points",
          ...(s.dash ? { dash: s.dash.map((d) => d * px()) } : {}),
          points: s.kind === "points" ? { show: true, size: 9, width: 2, stroke: s.color, fill: s.color + "99" } : { show: false },
          ...(s.kind === "points" ? { paths: () => null } : {}),
          value: (u, v) => (v == null ? "–" : fy(v)),
        })),
      ],
      bands: spec.bands.map((b) => ({ series: [b.upper, b.lower], fill: b.fill + "33" })),
      hooks: {
        draw: [drawRefs(spec)],
        // A chart over nights links each night to its run's report (history/trend-page.ts).
        ready: spec.links
          ? [
              (u) => {
                u.over.style.cursor = "pointer";
                u.over.addEventListener("click", () => {
                  const i = u.cursor.idx;
                  if (i != null && spec.links[i]) window.location.href = spec.links[i];
                });
              },
            ]
          : [],
      },
    };
  }

  function columns(spec) {
    const ok = (v, log) => (v == null || (log && !(v > 0)) ? null : v);
    return [spec.x, ...spec.series.map((s) => s.values.map((v) => ok(v, spec.logY)))];
  }

  const drawn = [];
  let charts = 0;
  for (const [id, spec] of Object.entries(data.charts)) {
    const el = document.querySelector('[data-chart="' + id + '"] .plot.main');
    if (!el) continue;
    drawn.push({ el, plot: new uPlot(options(spec, el.clientWidth), columns(spec), el) });
    charts++;
  }
  window.addEventListener("resize", () => drawn.forEach(({ el, plot }) => plot.setSize({ width: el.clientWidth, height: HEIGHT })));
  requestAnimationFrame(() => (document.body.dataset.chartsRendered = String(charts)));
})();
