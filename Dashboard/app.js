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

// The one-click actions: what each does to the item's issue. Those with a `field` ask for a text first.
const actions = {
  approve: { label: "Approve", path: "approve", body: () => ({}) },
  request_changes: { label: "Request changes", path: "request-changes", field: "What should change?",
    body: (text) => ({ comment: text }) },
  make_ready: { label: "Make ready", path: "ready", body: () => ({}) },
  comment: { label: "Comment", path: "comments", field: "Your answer", body: (text) => ({ body: text }) },
};

// A change through the API: the session cookie plus the header that says the dashboard sent it (CSRF).
async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { ...headers, "Content-Type": "application/json", "X-Requested-With": "turbocode-dashboard" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).error.message; } catch { /* no JSON body */ }
    throw new Error(message);
  }
}

function actionButtons(item, li) {
  const box = document.createElement("span");
  box.className = "actions";
  for (const name of item.actions) {
    const action = actions[name];
    if (!action) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.dataset.action = name;
    button.textContent = action.label;
    button.addEventListener("click", () => {
      const path = `/api/v1/issues/${encodeURIComponent(item.subject)}/${action.path}`;
      if (!action.field) {
        run(li, () => post(path, action.body()));
        return;
      }
      ask(li, action.field, (text) => run(li, () => post(path, action.body(text))));
    });
    box.append(button);
  }
  return box;
}

// A small form under the item for the action's text.
function ask(li, label, send) {
  li.querySelector("form")?.remove();
  const form = document.createElement("form");
  form.className = "ask";
  const input = document.createElement("textarea");
  input.setAttribute("aria-label", label);
  input.placeholder = label;
  input.required = true;
  const submit = document.createElement("button");
  submit.type = "submit";
  submit.textContent = "Send";
  form.append(input, submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) send(input.value.trim());
  });
  li.append(form);
  input.focus();
}

async function run(li, change) {
  li.querySelector(".failure")?.remove();
  try {
    await change();
    await refresh();
  } catch (error) {
    li.append(cell("failure error", error.message));
  }
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
    actionButtons(item, li),
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
