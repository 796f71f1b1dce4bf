// Live updates on a region's dashboard: a plain EventSource on /live/{region} (Server-Sent Events from the log).
// Each message is an escalation or SLA warning in the region; the dashboard is fetched again (htmx swaps it in
// place, its charts redraw) and the status line says what arrived. A dashboard shown as of a past moment has
// no data-live and is left as it is. The browser reconnects by itself, resuming after the last message's id.
(function () {
  "use strict";
  const WORDS = {
    CaseEscalated: "a case was escalated", CaseDeEscalated: "an escalation was withdrawn",
    EscalationHandedOver: "an escalation was handed over", SlaAtRisk: "an SLA clock is at risk",
    SlaBreached: "an SLA was breached", resync: "the dashboard was brought up to date",
  };
  let pending = null;

  function say(text) {
    const status = document.getElementById("live-status");
    if (status) status.textContent = text;
  }

  function refresh() {
    pending = null;
    const board = document.querySelector("#dashboard[data-live]");
    if (!board || typeof htmx === "undefined") return;
    const focused = document.activeElement && document.activeElement.id;
    htmx.ajax("GET", board.dataset.refresh, { target: "#dashboard", select: "#dashboard", swap: "outerHTML" })
      .then(function () {
        const again = focused && document.getElementById(focused);
        if (again) again.focus();
      });
  }

  function start() {
    const board = document.querySelector("#dashboard[data-live]");
    if (!board || typeof EventSource === "undefined") return;
    const source = new EventSource(board.dataset.live);
    source.onopen = function () { say("Live: new escalations and SLA warnings appear here without reloading."); };
    source.onerror = function () {
      say(source.readyState === EventSource.CLOSED ? "Live updates stopped: reload the page to see new ones."
                                                   : "Live updates interrupted: reconnecting…");
    };
    source.onmessage = function (message) {
      const event = JSON.parse(message.data);
      const when = event.occurred_at ? " at " + event.occurred_at.slice(11, 16) + " UTC" : "";
      say("Updated: " + (WORDS[event.type] || event.type) + when + ".");
      if (pending === null) pending = setTimeout(refresh, 300);  // a burst of events: one refresh
    };
  }

  document.addEventListener("DOMContentLoaded", start);
})();
