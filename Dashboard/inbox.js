// The inbox: GET /api/v1/attention, what broke apart from what waits for a decision, with one-click actions.
import { age, cell, coalesced, getJSON, live, markRendered, post, throttled } from "/assets/common.js";

// The one-click actions: what each does to the item's issue. Those with a `field` ask for a text first.
const actions = {
  approve: { label: "Approve", path: "approve", body: () => ({}) },
  request_changes: { label: "Request changes", path: "request-changes", field: "What should change?",
    body: (text) => ({ comment: text }) },
  make_ready: { label: "Make ready", path: "ready", body: () => ({}) },
  comment: { label: "Comment", path: "comments", field: "Your answer", body: (text) => ({ body: text }) },
};

function actionButtons(item, li) {
  const box = document.createElement("span");
  box.className = "actions";
  for (const name of item.actions) {
    const action = actions[name];
    if (!action) continue;
    const button = cell("quiet", action.label, "button");
    button.type = "button";
    button.dataset.action = name;
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
  const submit = cell("", "Send", "button");
  submit.type = "submit";
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

// An issue's key links to its page; a driver or a project is plain text.
function subject(text) {
  const span = cell("subject", /^[A-Za-z][A-Za-z0-9]*-[0-9]+$/.test(text) ? "" : text);
  if (span.textContent) return span;
  const a = cell("", text, "a");
  a.href = `/issues/${encodeURIComponent(text)}`;
  span.append(a);
  return span;
}

function row(item) {
  const li = document.createElement("li");
  li.className = "item";
  li.dataset.kind = item.kind;
  li.dataset.subject = item.subject;
  li.dataset.key = keyOf(item);
  const what = [item.title, item.message].filter((part) => part).join(": ")
    + (item.until ? ` (until ${new Date(item.until).toLocaleString()})` : "");
  li.append(
    cell("kind", item.kind),
    subject(item.subject),
    cell("what", what),
    cell("age", age(item.age_seconds)),
    actionButtons(item, li),
  );
  return li;
}

const keyOf = (item) => `${item.kind}\u0000${item.subject}`;

// Redraws the items, except one whose answer form is open: it stays as it is (its age updated), so that a live
// refresh does not take away what the person is typing, nor the focus.
function render(inbox) {
  const active = document.activeElement;
  const selection = active?.selectionStart === undefined ? null : [active.selectionStart, active.selectionEnd];
  for (const need of ["broken", "decision"]) {
    const section = document.getElementById(need);
    const items = inbox.items.filter((item) => item.need === need);
    const list = section.querySelector(".items");
    const editing = new Map([...list.querySelectorAll("li.item")].filter((li) => li.querySelector("form"))
      .map((li) => [li.dataset.key, li]));
    list.replaceChildren(...items.map((item) => {
      const kept = editing.get(keyOf(item));
      if (!kept) return row(item);
      kept.querySelector(".age").textContent = age(item.age_seconds);
      return kept;
    }));
    section.hidden = items.length === 0;
  }
  if (active?.isConnected && active !== document.activeElement) {
    active.focus();
    if (selection) active.setSelectionRange(...selection);
  }
  document.getElementById("empty").hidden = inbox.items.length > 0;
  document.getElementById("summary").textContent =
    `Inbox — ${inbox.broken} broke, ${inbox.decisions} need a decision`;
  document.title = `turboCode — ${inbox.broken + inbox.decisions} need you`;
  markRendered();
}

// The run at a glance, above the inbox: agents at work, work waiting for them, for review and for the merge queue.
function pulse(fleet, board) {
  const parts = [];
  if (fleet?.pool) {
    parts.push(`${fleet.capacity.used} of ${fleet.capacity.slots} agent slots working`);
    if (fleet.paused_drivers.length) parts.push(`${fleet.paused_drivers.length} driver(s) paused`);
  }
  if (board.every((page) => page)) {
    const [ready, working, testing, review] = board.map((page) => page.total);
    parts.push(`${ready} ready`, `${working} in progress`, `${testing} being verified`, `${review} in review`);
  }
  document.getElementById("pulse").textContent = parts.join(" · ");
}

// How many issues are in `statuses`: the list's total, one row read.
const counted = (statuses) => getJSON(`/api/v1/issues?limit=1&${statuses.map((s) => `status=${s}`).join("&")}`);

// The glance line takes five requests: read again at most every two seconds, however busy the event stream.
const loadPulse = coalesced(async () => {
  const [fleet, ...board] = await Promise.all([
    getJSON("/api/v1/fleet"), counted(["ready"]), counted(["assigned", "in_progress"]), counted(["testing"]),
    counted(["review"]),
  ]);
  pulse(fleet, board);
});
const pulseSoon = throttled(() => loadPulse(), 2000);

const refresh = coalesced(async () => {
  const inbox = await getJSON("/api/v1/attention");
  if (inbox) render(inbox);
  pulseSoon();
});

loadPulse();
live(refresh);
