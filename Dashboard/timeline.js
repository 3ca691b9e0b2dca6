// The timeline: the event log, newest first, with a filter over type and subject kept in the address. The newest
// 500 events are read, then each new one as it commits. Below them, the webhook deliveries with their attempts.
import { cell, coalesced, getJSON, live, post, throttled } from "/assets/common.js";

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

// Webhook deliveries: each endpoint's newest 20 (pending, delivered, failed) with their attempts and last answer.
// Read again after events (they make deliveries), and every 5 s while any is still pending (retries write no event).
let deliveryTimer = null;
const loadDeliveries = coalesced(async () => {
  clearTimeout(deliveryTimer);
  const hooks = await getJSON("/api/v1/webhooks");
  if (!hooks) return;
  const lists = await Promise.all(hooks.map((hook) =>
    getJSON(`/api/v1/webhooks/${encodeURIComponent(hook.id)}/deliveries?limit=20`)));
  const rows = [];
  let pending = false;
  hooks.forEach((hook, index) => {
    for (const delivery of lists[index] ?? []) {
      if (delivery.status === "pending") pending = true;
      const tr = document.createElement("tr");
      tr.dataset.status = delivery.status;
      tr.dataset.event = delivery.event_type;
      const answer = delivery.response_status ? `HTTP ${delivery.response_status}` : delivery.error ?? "";
      const redeliver = cell("quiet", "Redeliver", "button");
      redeliver.type = "button";
      redeliver.addEventListener("click", async () => {
        try {
          await post(`/api/v1/deliveries/${encodeURIComponent(delivery.id)}/redeliver`, {});
        } catch (error) {
          answerCell.textContent = error.message;
        }
        loadDeliveries();
      });
      const answerCell = cell("", answer, "td");
      const action = document.createElement("td");
      if (delivery.status !== "pending") action.append(redeliver);
      tr.append(
        cell("", hook.url, "td"), cell("", `${delivery.event_type} #${delivery.event_id}`, "td"),
        cell("", delivery.status, "td"), cell("", String(delivery.attempts), "td"), answerCell,
        cell("", delivery.next_attempt_at ? new Date(delivery.next_attempt_at).toLocaleTimeString() : "", "td"), action);
      rows.push(tr);
    }
  });
  document.querySelector("#deliveries tbody").replaceChildren(...rows);
  document.getElementById("deliveries").hidden = hooks.length === 0;
  document.getElementById("deliveries-empty").hidden = hooks.length > 0;
  document.getElementById("deliveries-title").textContent = `Webhook deliveries (${hooks.length} endpoint${hooks.length === 1 ? "" : "s"})`;
  if (pending) deliveryTimer = setTimeout(loadDeliveries, 5000);
});

const deliveriesSoon = throttled(() => loadDeliveries(), 1000);

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
    deliveriesSoon();
  },
});
loadDeliveries();
