// Live updates on a region's dashboard: a plain EventSource on /live/{region} (Server-Sent Events from the log).
// Each message is an escalation or SLA warning in the region; the dashboard is fetched again (htmx swaps it in
// place, its charts redraw) and the status line says what arrived. A dashboard shown as of a past moment has
// no data-live: when the date control swaps one in, the stream is closed and the status line says nothing
// (a message already on its way is ignored); swapped back to now, the stream opens again. The browser
// reconnects by itself, resuming after the last message's id.
(function () {
  "use strict";
  const WORDS = {
    CaseEscalated: "a case was escalated", CaseDeEscalated: "an escalation was withdrawn",
    EscalationHandedOver: "an escalation was handed over", SlaAtRisk: "an SLA clock is at risk",
    SlaBreached: "an SLA was breached", resync: "the dashboard was brought up to date",
  };
  let pending = null;
  let source = null;

  function say(text) {
    const status = document.getElementById("live-status");
    if (status) status.textContent = text;
  }

  function liveBoard() {
    return document.querySelector("#dashboard[data-live]");
  }

  function refresh() {
    pending = null;
    const board = liveBoard();
    if (!board || typeof htmx === "undefined") return;
    const focused = document.activeElement && document.activeElement.id;
    htmx.ajax("GET", board.dataset.refresh, { target: "#dashboard", select: "#dashboard", swap: "outerHTML" })
      .then(function () {
        const again = focused && document.getElementById(focused);
        if (again) again.focus();
      });
  }

  function stop() {
    if (source) source.close();
    source = null;
    if (pending !== null) clearTimeout(pending);
    pending = null;
    say("");
  }

  function start() {
    const board = liveBoard();
    if (!board || source || typeof EventSource === "undefined") return;
    const opened = source = new EventSource(board.dataset.live);
    opened.onopen = function () {
      if (source === opened) say("Live: new escalations and SLA warnings appear here without reloading.");
    };
    opened.onerror = function () {
      if (source !== opened) return;
      say(opened.readyState === EventSource.CLOSED ? "Live updates stopped: reload the page to see new ones."
                                                   : "Live updates interrupted: reconnecting…");
    };
    opened.onmessage = function (message) {
      if (source !== opened || !liveBoard()) { stop(); return; }  // the page shows a past moment now
      const event = JSON.parse(message.data);
      const when = event.occurred_at ? " at " + event.occurred_at.slice(11, 16) + " UTC" : "";
      say("Updated: " + (WORDS[event.type] || event.type) + when + ".");
      if (pending === null) pending = setTimeout(refresh, 300);  // a burst of events: one refresh
    };
  }

  function follow() {  // after a swap: live again when the dashboard shows now, closed when it shows the past
    if (liveBoard()) start(); else if (document.getElementById("dashboard")) stop();
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", follow);
})();
