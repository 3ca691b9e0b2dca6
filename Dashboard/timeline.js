// The timeline: the event log, newest first, with a filter over type and subject kept in the address. The newest
// 500 events are read, then each new one as it commits.
import { cell, getJSON, live } from "/assets/common.js";

const params = new URLSearchParams(window.location.search);
const filter = document.getElementById("filter");
filter.value = params.get("q") ?? "";
let events = [];

function details(payload) {
  return Object.entries(payload ?? {})
    .filter(([name]) => name !== "id")
    .map(([name, value]) => `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

function render() {
  const words = filter.value.toLowerCase().split(/\s+/).filter((word) => word);
  const shown = events.filter((event) => {
    const text = `${event.type} ${event.subject}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
  document.querySelector("#events tbody").replaceChildren(...shown.map((event) => {
    const tr = document.createElement("tr");
    tr.dataset.type = event.type;
    tr.append(
      cell("", String(event.id), "td"), cell("", new Date(event.created_at).toLocaleString(), "td"),
      cell("", event.type, "td"), cell("", event.subject, "td"), cell("", details(event.payload), "td"),
    );
    return tr;
  }));
  document.getElementById("summary").textContent = `Timeline — ${shown.length} of ${events.length} events`;
}

filter.addEventListener("input", () => {
  render();
  const search = filter.value ? `?q=${encodeURIComponent(filter.value)}` : "";
  window.history.replaceState(null, "", `/timeline${search}`);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "/" && event.target !== filter) {
    event.preventDefault();
    filter.focus();
  }
});

// The newest events from the log, then the stream from there on (it replays what committed in between).
const newest = await getJSON("/api/v1/events?last=500&limit=500");
events = (newest ?? []).reverse();
render();
live(null, {
  after: events.length > 0 ? events[0].id : 0,
  onEvent: (event) => {
    events.unshift(event);
    if (events.length > 2000) events.length = 2000;
    render();
  },
});
