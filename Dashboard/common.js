// What every view shares: reading and changing through the REST API with the session cookie, the live event stream,
// and putting server text in the page. Every string from the server (titles, messages, agents' words) goes in with
// textContent, never as HTML.

export const headers = { Accept: "application/json" };

export function age(seconds) {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

// Marks the moment a view first showed its data (`turbocode:rendered`, measured by Benchmarks/dashboard).
let rendered = false;
export function markRendered() {
  if (rendered) return;
  rendered = true;
  performance.mark("turbocode:rendered");
}

// A link to an issue's page, its key as the text.
export function issueLink(key) {
  const a = cell("", key, "a");
  a.href = `/issues/${encodeURIComponent(key)}`;
  return a;
}

export function cell(className, text, tag = "span") {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = text;
  return element;
}

function showError(text) {
  const error = document.getElementById("error");
  if (!error) return;
  error.textContent = text ?? "";
  error.hidden = !text;
}

// GET a JSON document; null (and the error shown) when it cannot be read; to the sign-in page when signed out.
export async function getJSON(path) {
  const response = await fetch(path, { headers, credentials: "same-origin" });
  if (response.status === 401) {
    window.location.assign("/login");
    return null;
  }
  if (!response.ok) {
    showError(`${path} could not be read (HTTP ${response.status}).`);
    return null;
  }
  showError(null);
  return response.json();
}

// A change through the API: the session cookie plus the header that says the dashboard sent it (CSRF).
export async function post(path, body) {
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

// `run` at most once every `ms` under a steady stream of calls, the last call always followed by a run.
export function throttled(run, ms) {
  let timer = null;
  return () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      run();
    }, ms);
  };
}

// `load` run once at a time; calls made meanwhile make one more run after it.
export function coalesced(load) {
  let running = null;
  let again = false;
  const run = () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await load();
      } while (again);
    })().finally(() => { running = null; });
    return running;
  };
  return run;
}

// Live: any event may change what the view shows (but progress reports, which no such view shows); the events of a
// burst, or of a steady stream, make one `refresh` at most every `every` ms, the last event always followed by one. A
// view that takes each event itself passes `onEvent` (and the id it has read up to as `after`) instead. Reconnects
// with the last id seen, so nothing is missed, backing off up to 10 s.
export function live(refresh, { onEvent = null, after = null, every = 150 } = {}) {
  const indicator = document.getElementById("live");
  const soon = throttled(() => refresh(), every);
  let lastEvent = after;
  let delay = 500;
  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const query = lastEvent === null ? "" : `?after=${lastEvent}`;
    const socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/events/ws${query}`);
    socket.addEventListener("open", () => {
      indicator.textContent = "live";
      indicator.classList.add("on");
      delay = 500;
      refresh?.();
    });
    socket.addEventListener("message", (message) => {
      let event = null;
      try { event = JSON.parse(message.data); } catch { return; }
      if (lastEvent !== null && event.id <= lastEvent) return;
      lastEvent = event.id;
      if (onEvent) {
        onEvent(event);
        return;
      }
      if (event.type !== "issue.progress") soon();
    });
    socket.addEventListener("close", () => {
      indicator.textContent = "reconnecting…";
      indicator.classList.remove("on");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  refresh?.();
  connect();
}
