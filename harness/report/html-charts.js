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

  // Dashed lines at timeline events, on the canvas; their labels in a band of HTML above the plot (labelBand), so no
  // label covers a line of data and each carries the events it stands for in its tooltip.
  const drawMarkers = (withLabels) => (u) => {
    const { ctx, bbox } = u;
    const p = px();
    ctx.save();
    ctx.strokeStyle = "rgba(55, 65, 81, 0.6)";
    ctx.lineWidth = p;
    ctx.setLineDash([4 * p, 3 * p]);
    data.markers.forEach((m) => {
      const x = Math.round(u.valToPos(m.tS, "x", true)) + 0.5;
      if (x < bbox.left || x > bbox.left + bbox.width) return;
      ctx.beginPath();
      // With labels, from the canvas's top edge: the line meets its label's tick in the band above.
      ctx.moveTo(x, withLabels ? 0 : bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    });
    ctx.restore();
    if (withLabels) labelBand(u);
  };

  // The labels' rows: layoutMarkerLabels (marker-labels.js, inlined before this script) places them left to right so
  // that none overlaps another; a burst too dense for the rows becomes one label with a count, every event in its tooltip.
  const LABEL_ROWS = 3;
  const ROW_PX = 18;
  const measureCtx = document.createElement("canvas").getContext("2d");
  measureCtx.font = "11px system-ui, sans-serif";
  // Text, 3 px of padding each side and the 1 px left border (style.css: .marker-label).
  const measure = (text) => Math.ceil(measureCtx.measureText(text).width) + 8;
  const describe = (m) => m.tS.toFixed(3) + " s  " + m.label + (m.detail && m.detail !== m.label ? ": " + m.detail : "");
  const labelBand = (u) => {
    let band = u.root.querySelector(".marker-band");
    if (!band) {
      band = document.createElement("div");
      band.className = "marker-band";
      u.root.insertBefore(band, u.root.querySelector(".u-wrap"));
    }
    band.textContent = "";
    const left = u.bbox.left / px();
    const right = left + u.bbox.width / px();
    const shown = data.markers.map((m) => ({ m, x: Math.round(left + u.valToPos(m.tS, "x")), label: m.label })).filter((s) => s.x >= left && s.x <= right);
    const groups = layoutMarkerLabels(shown, {
      left,
      right,
      rows: LABEL_ROWS,
      gap: 4,
      maxShift: 48,
      measure,
      groupText: (members) => shown[members[0]].label + " (+" + (members.length - 1) + " more)",
    });
    const rowsUsed = groups.reduce((n, g) => Math.max(n, g.row + 1), 0);
    band.style.height = rowsUsed ? rowsUsed * ROW_PX + 6 + "px" : "0";
    for (const g of groups) {
      const el = document.createElement("div");
      el.className = "marker-label" + (g.members.length > 1 ? " grouped" : "");
      el.textContent = g.text;
      el.title = g.members.map((i) => describe(shown[i].m)).join("\n");
      Object.assign(el.style, { left: g.left + "px", top: g.row * ROW_PX + "px", width: g.width + "px" });
      band.appendChild(el);
      // A label moved right of its event, the rows being taken at its line: an elbow from the line to it.
      const anchor = shown[g.members[0]].x;
      if (g.left > anchor + 1) {
        const elbow = document.createElement("div");
        elbow.className = "marker-elbow";
        Object.assign(elbow.style, { left: anchor + "px", top: g.row * ROW_PX + ROW_PX - 2 + "px", width: g.left - anchor + "px" });
        band.appendChild(elbow);
      }
      // A tick from the label down to the plot at each event it stands for.
      for (const i of g.members) {
        const tick = document.createElement("div");
        tick.className = "marker-tick";
        const top = g.row * ROW_PX + ROW_PX - 2;
        Object.assign(tick.style, { left: shown[i].x + "px", top: top + "px", height: rowsUsed * ROW_PX + 6 - top + "px" });
        band.appendChild(tick);
      }
    }
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

  // Byte axes step in binary units (1, 2, 4 … 512 of B, KiB, MiB, GiB), so the ticks read 1 MiB, 2 MiB, not 954 KiB.
  const BYTE_INCRS = [0, 1, 2, 3, 4].flatMap((k) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** k));

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
          ...(spec.unit === "nodes" ? { incrs: [1, 2, 5, 10] } : spec.unit === "bytes" ? { incrs: BYTE_INCRS } : {}),
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
