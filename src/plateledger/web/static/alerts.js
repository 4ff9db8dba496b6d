/* plateledger alert queue: listens on the UI's server-sent-event stream (same origin, session
 * cookie) and inserts each new alert as the server-rendered card from /ui/alerts/{id}/card.
 * Without this script the page shows the queue as of the last reload. */
(function () {
  "use strict";
  var queue = document.getElementById("alert-queue");
  var status = document.getElementById("live-status");
  if (!queue || !window.EventSource || !window.fetch) { return; }

  function say(text) { if (status) { status.textContent = text; } }

  function insert(alertId) {
    if (document.getElementById("alert-" + alertId)) { return; }
    var url = queue.getAttribute("data-cards") + encodeURIComponent(alertId) + "/card";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html || document.getElementById("alert-" + alertId)) { return; }
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var card = holder.content.firstElementChild;
        if (!card) { return; }
        card.classList.add("arrived");
        var empty = queue.querySelector(".empty");
        if (empty) { empty.remove(); }
        queue.insertBefore(card, queue.firstChild);
        var heading = card.querySelector("h3");
        say("New alert: " + (heading ? heading.textContent.replace(/\s+/g, " ").trim() : alertId));
      });
  }

  var source = new EventSource(queue.getAttribute("data-stream"));
  source.addEventListener("open", function () {
    say("Live: new alerts appear at the top of the queue as they arrive.");
  });
  source.addEventListener("alert", function (event) {
    var data = JSON.parse(event.data);
    if (data.alert_id) { insert(data.alert_id); }
  });
  source.addEventListener("notice", function (event) {
    var data = JSON.parse(event.data);
    say("A subscribing agency marked alert " + data.alert_id + " on one of your lists as " +
        String(data.disposition).replace(/_/g, " ") + ".");
  });
  source.addEventListener("error", function () {
    say("Live updates interrupted; reconnecting… (reload the page to be sure you see every alert)");
  });
})();
