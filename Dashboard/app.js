// The inbox: GET /api/v1/attention, refreshed when the event stream says something changed. Every string from the
// server (titles, messages, agents' words) goes in with textContent, never as HTML.

const headers = { Accept: "application/json" };
let refreshing = null;
let again = false;

function age(seconds) {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

function cell(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function row(item) {
  const li = document.createElement("li");
  li.className = "item";
  li.dataset.kind = item.kind;
  li.dataset.subject = item.subject;
  const what = [item.title, item.message].filter((part) => part).join(": ")
    + (item.until ? ` (until ${new Date(item.until).toLocaleString()})` : "");
  li.append(
    cell("kind", item.kind),
    cell("subject", item.subject),
    cell("what", what),
    cell("age", age(item.age_seconds)),
    cell("actions", item.actions.join(", ")),
  );
  return li;
}

function render(inbox) {
  for (const need of ["broken", "decision"]) {
    const section = document.getElementById(need);
    const items = inbox.items.filter((item) => item.need === need);
    section.querySelector(".items").replaceChildren(...items.map(row));
    section.hidden = items.length === 0;
  }
  document.getElementById("empty").hidden = inbox.items.length > 0;
  document.getElementById("summary").textContent =
    `Inbox — ${inbox.broken} broke, ${inbox.decisions} need a decision`;
  document.title = `turboCode — ${inbox.broken + inbox.decisions} need you`;
}

async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      const response = await fetch("/api/v1/attention", { headers, credentials: "same-origin" });
      if (response.status === 401) {
        window.location.assign("/login");
        return;
      }
      const error = document.getElementById("error");
      if (!response.ok) {
        error.textContent = `The inbox could not be read (HTTP ${response.status}).`;
        error.hidden = false;
        return;
      }
      error.hidden = true;
      render(await response.json());
    } while (again);
  })().finally(() => { refreshing = null; });
  return refreshing;
}

// Live: any event may change the inbox; a burst of them is one refresh. Reconnects with the last id seen, so nothing
// is missed, backing off up to 10 s.
let lastEvent = null;
let delay = 500;
function connect() {
  const live = document.getElementById("live");
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const after = lastEvent === null ? "" : `?after=${lastEvent}`;
  const socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/events/ws${after}`);
  let timer = null;
  socket.addEventListener("open", () => {
    live.textContent = "live";
    live.classList.add("on");
    delay = 500;
    refresh();
  });
  socket.addEventListener("message", (message) => {
    try { lastEvent = JSON.parse(message.data).id; } catch { /* not an event */ }
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
  socket.addEventListener("close", () => {
    live.textContent = "reconnecting…";
    live.classList.remove("on");
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  });
}

refresh();
connect();
