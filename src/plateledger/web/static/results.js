/* plateledger results page: the facet buttons filter the cards of this page. Values picked in
 * one facet widen (any of them), picks in different facets narrow (all of them). Without this
 * script the facets still show their counts and every card stays visible. Same-origin, no
 * dependencies. */
(function () {
  "use strict";
  var nav = document.querySelector("nav.facets");
  var list = nav && document.getElementById(nav.getAttribute("data-target"));
  if (!list) { return; }
  var cards = Array.prototype.slice.call(list.querySelectorAll("li.card"));
  var buttons = Array.prototype.slice.call(nav.querySelectorAll("button.facet-value"));
  var clear = nav.querySelector("button.facet-clear");
  var shown = document.getElementById("hits-shown");
  nav.classList.add("live");

  function picked() {
    var by = {};
    buttons.forEach(function (b) {
      if (b.getAttribute("aria-pressed") === "true") {
        var f = b.getAttribute("data-facet");
        (by[f] = by[f] || []).push(b.getAttribute("data-value"));
      }
    });
    return by;
  }
  function apply() {
    var by = picked();
    var facets = Object.keys(by);
    var visible = 0;
    cards.forEach(function (card) {
      var keep = facets.every(function (f) {
        return by[f].indexOf(card.getAttribute("data-" + f)) >= 0;
      });
      card.hidden = !keep;
      if (keep) { visible += 1; }
    });
    if (clear) { clear.hidden = facets.length === 0; }
    if (shown) {
      shown.textContent = facets.length ? " · showing " + visible + " of " + cards.length : "";
    }
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () {
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      apply();
    });
  });
  if (clear) {
    clear.addEventListener("click", function () {
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      apply();
    });
  }
})();
