// The board: every issue by status with work-in-progress counts; a project choice, a filter (`/` to focus it) and
// keyboard moves between cards (j/k, or the arrow keys; Enter opens the issue).
import { age, cell, coalesced, getJSON, live, markRendered } from "/assets/common.js";

const columns = ["open", "ready", "assigned", "in_progress", "testing", "review", "closed"];
const names = {
  open: "Open", ready: "Ready", assigned: "Assigned", in_progress: "In progress", testing: "Testing",
  review: "Review", closed: "Closed",
};
const params = new URLSearchParams(window.location.search);
const filter = document.getElementById("filter");
const project = document.getElementById("project");
filter.value = params.get("q") ?? "";
let issues = [];
// Live leases by issue key: the holder's last heartbeat, shown as its age on the card.
let leases = new Map();

function card(issue) {
  const li = document.createElement("li");
  li.className = `card priority-${issue.priority}`;
  li.tabIndex = 0;
  li.dataset.key = issue.key;
  li.dataset.status = issue.status;
  const key = cell("key", "");
  const link = cell("", issue.key, "a");
  link.href = `/issues/${encodeURIComponent(issue.key)}`;
  key.append(link);
  li.append(key, cell("title", issue.title), cell("priority", issue.priority));
  if (issue.capabilities.length > 0) {
    const chips = document.createElement("span");
    chips.className = "chips";
    chips.append(...issue.capabilities.map((name) => cell("chip", name)));
    li.append(chips);
  }
  if (issue.assigned_to) li.append(cell("agent", issue.assigned_to));
  const lease = leases.get(issue.key);
  if (lease) {
    const heartbeat = cell("heartbeat", "");
    heartbeat.dataset.at = lease.heartbeat_at;
    heartbeat.dataset.expires = lease.expires_at;
    li.append(heartbeat);
  }
  return li;
}

function matches(issue, words) {
  const text = [issue.key, issue.title, issue.priority, issue.assigned_to ?? "", ...issue.capabilities]
    .join(" ").toLowerCase();
  return words.every((word) => text.includes(word));
}

function render() {
  const words = filter.value.toLowerCase().split(/\s+/).filter((word) => word);
  const shown = issues.filter((issue) => matches(issue, words));
  const board = document.getElementById("board");
  board.replaceChildren(...columns.map((status) => {
    const inColumn = shown.filter((issue) => issue.status === status);
    const column = document.createElement("section");
    column.className = "column";
    column.dataset.status = status;
    column.append(cell("", `${names[status]} (${inColumn.length})`, "h2"));
    const list = document.createElement("ol");
    list.className = "cards";
    list.append(...inColumn.map(card));
    column.append(list);
    return column;
  }));
  document.getElementById("summary").textContent = `Board — ${shown.length} of ${issues.length} issues`;
  beat();
}

async function loadProjects() {
  const projects = await getJSON("/api/v1/projects");
  if (!projects) return;
  const options = [cell("", "Every project", "option")];
  options[0].value = "";
  for (const item of projects) {
    const option = cell("", `${item.key} — ${item.name}`, "option");
    option.value = item.key;
    options.push(option);
  }
  project.replaceChildren(...options);
  project.value = params.get("project") ?? "";
}

const refresh = coalesced(async () => {
  const query = new URLSearchParams({ limit: "1000" });
  if (project.value) query.set("project", project.value);
  const [page, held] = await Promise.all([
    getJSON(`/api/v1/issues?${query}`), getJSON(`/api/v1/leases${project.value ? `?project=${project.value}` : ""}`),
  ]);
  if (!page) return;
  issues = page.items;
  leases = new Map((held ?? []).map((lease) => [lease.issue, lease]));
  render();
  markRendered();
});

// Heartbeat ages tick without asking the server again.
function beat() {
  for (const element of document.querySelectorAll(".card .heartbeat")) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(element.dataset.at)) / 1000));
    const expired = Date.parse(element.dataset.expires) <= Date.now();
    element.textContent = expired ? `lease expired ${age(seconds)} after its heartbeat` : `heartbeat ${age(seconds)} ago`;
    element.classList.toggle("late", expired);
  }
}
setInterval(beat, 5000);

// The filter and the project are in the address, so the back button and a shared link show the same board.
function remember() {
  const query = new URLSearchParams();
  if (filter.value) query.set("q", filter.value);
  if (project.value) query.set("project", project.value);
  const search = query.toString();
  window.history.replaceState(null, "", search ? `/board?${search}` : "/board");
}

filter.addEventListener("input", () => { render(); remember(); });
project.addEventListener("change", () => { remember(); refresh(); });
document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (event.key === "/") {
    event.preventDefault();
    filter.focus();
    return;
  }
  const cards = [...document.querySelectorAll(".card")];
  if (cards.length === 0) return;
  const at = cards.indexOf(document.activeElement);
  if (event.key === "j" || event.key === "ArrowDown") cards[Math.min(at + 1, cards.length - 1)].focus();
  if (event.key === "k" || event.key === "ArrowUp") cards[Math.max(at - 1, 0)].focus();
  if (event.key === "Enter" && at >= 0) cards[at].querySelector("a")?.click();
});

await loadProjects();
live(refresh);
