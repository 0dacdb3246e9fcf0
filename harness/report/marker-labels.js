// Where the labels of a chart's event markers go: a plain browser script, inlined before html-charts.js (assets.ts),
// and read by the unit tests as it is, so the layout the page draws is the layout the tests check.
//
// Labels sit in a band of `rows` rows above the plot, each starting at its marker's x, or up to `maxShift` px right of it
// when the rows are taken there (the page joins the two with an elbow). Markers come left to right; each label takes
// the row where it moves least, the upper one on a tie, clearing the label before it by `gap`. A marker whose label fits
// in no row (a burst: several events within a second of a failover) joins the group placed just before it, which is the
// nearest one to its left and already spans its x; that group's text becomes `groupText(members)` ("+failover-end
// (+1 more)"), and the page lists every member in the group's tooltip. No two boxes of a row overlap, and every box
// stays within [left, right]: a group that grows past the right edge moves left as far as its row allows, then is cut
// to fit (the page ends its text with an ellipsis).
//
// markers: [{ x, label }] sorted by x (px); opts: { left, right, rows, gap, maxShift, measure(text) -> px,
// groupText(indices) }. Returns [{ text, left, width, row, members }], members being indices into markers.
// eslint-disable-next-line no-unused-vars
function layoutMarkerLabels(markers, opts) {
  "use strict";
  var groups = [];
  // Per row, the groups placed in it, left to right.
  var rows = [];
  for (var r = 0; r < opts.rows; r++) rows.push([]);
  var rowEnd = function (row) {
    var g = rows[row][rows[row].length - 1];
    return g ? g.left + g.width : -Infinity;
  };
  var fit = function (g) {
    var row = rows[g.row];
    var before = row[row.length - 2];
    var floor = before ? before.left + before.width + opts.gap : opts.left;
    if (g.left + g.width > opts.right) g.left = Math.max(floor, opts.right - g.width);
    g.width = Math.min(g.width, opts.right - g.left);
  };
  for (var i = 0; i < markers.length; i++) {
    var text = markers[i].label;
    var width = opts.measure(text);
    var x = Math.max(opts.left, markers[i].x);
    var best = -1;
    var bestLeft = 0;
    for (var k = 0; k < opts.rows; k++) {
      var free = rowEnd(k) + opts.gap;
      var left = Math.min(Math.max(x, free), opts.right - width);
      if (left < free) continue; // pushed back left by the right edge into the label before it
      left = Math.max(left, opts.left);
      if (left - x > opts.maxShift) continue;
      if (best === -1 || left < bestLeft) {
        best = k;
        bestLeft = left;
      }
    }
    if (best !== -1 || groups.length === 0) {
      var g = { text: text, left: best === -1 ? x : bestLeft, width: width, row: best === -1 ? 0 : best, members: [i] };
      groups.push(g);
      rows[g.row].push(g);
      fit(g);
      continue;
    }
    var last = groups[groups.length - 1];
    last.members.push(i);
    last.text = opts.groupText(last.members);
    last.width = opts.measure(last.text);
    fit(last);
  }
  return groups;
}
