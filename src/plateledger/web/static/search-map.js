/* plateledger search form: shows the fuzzy distance, draws a search box by dragging on the
 * map (filling the four numeric fields, which also work without this script), toggles a
 * camera in the list when its point is clicked, and narrows the camera list to what is typed
 * in the filter box (name, id or agency; chosen cameras stay chosen). Same-origin, no
 * dependencies. */
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";

  var range = document.getElementById("max_distance");
  var shown = document.getElementById("max_distance_value");
  if (range && shown) {
    range.addEventListener("input", function () { shown.textContent = range.value; });
  }

  var svg = document.getElementById("place-map");
  if (!svg || !svg.createSVGPoint) { return; }
  var proj = {
    lon0: parseFloat(svg.dataset.lon0), lat0: parseFloat(svg.dataset.lat0),
    kx: parseFloat(svg.dataset.kx), ky: parseFloat(svg.dataset.ky)
  };
  var fields = {
    north: document.getElementById("bbox_max_lat"), south: document.getElementById("bbox_min_lat"),
    west: document.getElementById("bbox_min_lon"), east: document.getElementById("bbox_max_lon")
  };
  var clear = document.getElementById("bbox-clear");
  var rect = document.createElementNS(SVG_NS, "rect");
  rect.setAttribute("class", "map-box");
  rect.setAttribute("visibility", "hidden");
  svg.appendChild(rect);

  function toSvg(event) {
    var p = svg.createSVGPoint();
    p.x = event.clientX;
    p.y = event.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  function lonOf(x) { return proj.lon0 + x / proj.kx; }
  function latOf(y) { return proj.lat0 - y / proj.ky; }
  function xOf(lon) { return (lon - proj.lon0) * proj.kx; }
  function yOf(lat) { return (proj.lat0 - lat) * proj.ky; }

  function drawBox(x0, y0, x1, y1) {
    rect.setAttribute("x", Math.min(x0, x1));
    rect.setAttribute("y", Math.min(y0, y1));
    rect.setAttribute("width", Math.abs(x1 - x0));
    rect.setAttribute("height", Math.abs(y1 - y0));
    rect.setAttribute("visibility", "visible");
    if (clear) { clear.hidden = false; }
  }
  function showFields() {
    var n = parseFloat(fields.north.value), s = parseFloat(fields.south.value);
    var w = parseFloat(fields.west.value), e = parseFloat(fields.east.value);
    if ([n, s, w, e].every(isFinite) && n > s && e > w) {
      drawBox(xOf(w), yOf(n), xOf(e), yOf(s));
    } else {
      rect.setAttribute("visibility", "hidden");
    }
  }
  Object.keys(fields).forEach(function (k) {
    if (fields[k]) { fields[k].addEventListener("change", showFields); }
  });
  if (clear) {
    clear.addEventListener("click", function () {
      Object.keys(fields).forEach(function (k) { fields[k].value = ""; });
      rect.setAttribute("visibility", "hidden");
      clear.hidden = true;
    });
  }
  showFields();

  var start = null;
  var moved = false;
  // The pointer is captured by the svg, so pointerup's target is the svg itself: remember the
  // point that was pressed, and toggle it when the pointer is released without a drag.
  var pressed = null;
  svg.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    start = toSvg(event);
    moved = false;
    pressed = event.target;
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!start) { return; }
    var p = toSvg(event);
    if (Math.abs(p.x - start.x) + Math.abs(p.y - start.y) > 4) { moved = true; }
    if (moved) { drawBox(start.x, start.y, p.x, p.y); }
  });
  svg.addEventListener("pointerup", function (event) {
    if (!start) { return; }
    var p = toSvg(event);
    var from = start;
    start = null;
    if (!moved) { toggleCamera(pressed); pressed = null; return; }
    pressed = null;
    fields.north.value = latOf(Math.min(from.y, p.y)).toFixed(4);
    fields.south.value = latOf(Math.max(from.y, p.y)).toFixed(4);
    fields.west.value = lonOf(Math.min(from.x, p.x)).toFixed(4);
    fields.east.value = lonOf(Math.max(from.x, p.x)).toFixed(4);
    showFields();
  });

  var cameras = document.getElementById("camera");
  function idsOf(el) {
    var point = el && el.closest ? el.closest("[data-cameras]") : null;
    var ids = point && point.getAttribute("data-cameras");
    return ids ? ids.split(" ") : [];
  }
  function toggleCamera(target) {
    var ids = idsOf(target);
    if (!ids.length || !cameras) { return; }
    var options = Array.prototype.filter.call(cameras.options, function (o) {
      return ids.indexOf(o.value) >= 0;
    });
    var select = !options.every(function (o) { return o.selected; });
    options.forEach(function (o) { o.selected = select; });
    markChosen();
  }
  function markChosen() {
    var chosen = {};
    for (var i = 0; i < cameras.options.length; i++) {
      if (cameras.options[i].selected) { chosen[cameras.options[i].value] = true; }
    }
    svg.querySelectorAll(".map-point").forEach(function (c) {
      c.classList.toggle("chosen", idsOf(c).some(function (id) { return chosen[id]; }));
    });
  }
  if (cameras) {
    cameras.addEventListener("change", markChosen);
    markChosen();
  }
})();

(function () {
  "use strict";
  var box = document.getElementById("camera-filter-box");
  var filter = document.getElementById("camera-filter");
  var cameras = document.getElementById("camera");
  var count = document.getElementById("camera-filter-count");
  if (!box || !filter || !cameras) { return; }
  box.hidden = false;
  var groups = Array.prototype.slice.call(cameras.querySelectorAll("optgroup"));

  function narrow() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    var total = 0;
    groups.forEach(function (group) {
      var agency = (group.label + " " + group.getAttribute("data-agency")).toLowerCase();
      var any = false;
      Array.prototype.forEach.call(group.querySelectorAll("option"), function (o) {
        var text = agency + " " + o.textContent.toLowerCase();
        var keep = o.selected || words.every(function (w) { return text.indexOf(w) >= 0; });
        o.hidden = !keep;
        total += 1;
        if (keep) { shown += 1; any = true; }
      });
      group.hidden = !any;
    });
    if (count) { count.textContent = words.length ? shown + " of " + total + " cameras shown" : ""; }
  }
  filter.addEventListener("input", narrow);
  filter.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }  // filtering, not submitting
  });
})();
