// One issue (/issues/KEY): its facts and lease, its agent's run as it happens (the normalized stream of `turbocode
// up`'s pool, followed with one long-poll outstanding), description, dependencies both ways, checks, work sessions,
// comments and its events, live.
import { age, cell, coalesced, getJSON, issueLink, live, throttled } from "/assets/common.js";

const key = decodeURIComponent(window.location.pathname.split("/").pop());
const when = (text) => (text ? new Date(text).toLocaleString() : "");
// The check logs a person opened, by check id, with their text once read: a live refresh redraws the checks and
// keeps them open instead of folding them under the reader.
const openLogs = new Map();


function rows(selector, items, cells) {
  document.querySelector(`${selector} tbody`).replaceChildren(...items.map((item) => {
    const tr = document.createElement("tr");
    tr.append(...cells(item).map((text) => cell("", text, "td")));
    return tr;
  }));
}

function dependencies(issue) {
  const parts = [];
  for (const [label, keys] of [["Waits for", issue.blocked_by], ["Blocks", issue.blocks]]) {
    if (keys.length === 0) continue;
    const span = cell("", `${label}: `);
    keys.forEach((target, index) => {
      if (index > 0) span.append(", ");
      span.append(issueLink(target));
    });
    parts.push(span);
  }
  const box = document.getElementById("dependencies");
  box.replaceChildren(...parts.flatMap((part, index) => (index > 0 ? [document.createElement("br"), part] : [part])));
  if (parts.length === 0) box.textContent = "None.";
}

// What an entry of the run says, as one line.
function entryText(entry) {
  switch (entry.kind) {
    case "tool_call": return `→ ${entry.text}`;
    case "tool_result": return entry.ok ? "✓ tool succeeded" : "✗ tool failed";
    case "usage": {
      const cost = entry.cost_usd === undefined ? "" : `, $${entry.cost_usd.toFixed(4)}`;
      return `${entry.input_tokens} tokens in, ${entry.output_tokens} out${cost}`;
    }
    case "finished": return `finished${entry.ok ? "" : " unsuccessfully"}${entry.text ? `: ${entry.text}` : ""}`;
    case "recovered": return "recovered from a limit";
    default: return entry.text ?? "";
  }
}

let runAfter = 0;
let runOf = null; // "agent|epoch" of the run shown
let following = false;

function showRunState(run) {
  const state = document.getElementById("run-state");
  if (!run.watched) {
    state.textContent = "Runs are shown by the coordinator that runs the agents (turbocode up); this server runs none.";
    return;
  }
  if (!run.agent) {
    state.textContent = "No run seen since this coordinator started.";
    return;
  }
  const started = new Date(run.started_at).toLocaleString();
  state.textContent = `${run.agent}, lease epoch ${run.epoch}, started ${started} — ${run.live ? "running" : "ended"}`;
  state.dataset.live = String(run.live);
}

// Follows the run: each answer waits (up to 25 s) for entries after the last one shown.
async function follow() {
  if (following) return;
  following = true;
  try {
    for (;;) {
      const run = await getJSON(`/api/v1/issues/${encodeURIComponent(key)}/run?after=${runAfter}&wait=25`);
      if (!run) return;
      const list = document.getElementById("run");
      const of = `${run.agent}|${run.epoch}`;
      if (run.agent && of !== runOf) {
        // Another run (a new lease): start over from its first entry.
        runOf = of;
        if (runAfter !== 0) {
          runAfter = 0;
          list.replaceChildren();
          continue;
        }
      }
      showRunState(run);
      list.append(...run.entries.map((entry) => {
        const li = document.createElement("li");
        li.className = `entry ${entry.kind}`;
        li.dataset.kind = entry.kind;
        li.append(cell("when", new Date(entry.at).toLocaleTimeString()), cell("text", entryText(entry)));
        return li;
      }));
      runAfter = run.next;
      // Nothing more will come from an ended run, or where no pool runs: a new lease's event starts again.
      if (!run.watched || !run.live) return;
    }
  } finally {
    following = false;
  }
}

function describe(event) {
  const p = event.payload ?? {};
  const parts = [];
  if (p.from && p.to) parts.push(`${p.from} → ${p.to}`);
  else if (p.to) parts.push(`→ ${p.to}`);
  for (const name of ["actor", "agent", "reason", "summary", "message", "body"]) {
    if (typeof p[name] === "string" && p[name]) parts.push(p[name].length > 160 ? `${p[name].slice(0, 159)}…` : p[name]);
  }
  return parts.join(" · ");
}

const refresh = coalesced(async () => {
  const base = `/api/v1/issues/${encodeURIComponent(key)}`;
  const [issue, checks, sessions, comments, events, leases] = await Promise.all([
    getJSON(base), getJSON(`${base}/checks`), getJSON(`${base}/work-logs`), getJSON(`${base}/comments`),
    getJSON(`/api/v1/events?subject=${encodeURIComponent(key)}&last=200`), getJSON("/api/v1/leases"),
  ]);
  if (!issue) return;
  const lease = (leases ?? []).find((held) => held.issue === issue.key);
  document.title = `turboCode — ${issue.key}`;
  document.getElementById("summary").textContent = `${issue.key}: ${issue.title}`;
  const facts = [
    issue.status + (issue.closed_reason ? ` (${issue.closed_reason})` : ""), `priority ${issue.priority}`,
    issue.type, issue.assigned_to ? `with ${issue.assigned_to}` : "unassigned",
    issue.capabilities.length ? `needs ${issue.capabilities.join(", ")}` : "",
    issue.paths.length ? `paths ${issue.paths.join(", ")}` : "", `created ${when(issue.created_at)}`,
    lease ? `lease epoch ${lease.epoch} held by ${lease.agent}, heartbeat ${age(Math.max(0,
      Math.round((Date.now() - Date.parse(lease.heartbeat_at)) / 1000)))} ago, expires ${when(lease.expires_at)}` : "",
  ].filter((part) => part);
  document.getElementById("facts").textContent = facts.join(" · ");
  document.getElementById("description").textContent = issue.description || "No description.";
  dependencies(issue);
  rows("#checks", checks ?? [], (check) => [
    when(check.created_at), check.kind, check.passed ? "passed" : "failed", check.actor, check.summary,
  ]);
  // A check's test log, read when its row's "log" is opened (GET …/checks/{id}/log, the log's last 64 KB).
  const checkRows = document.querySelectorAll("#checks tbody tr");
  (checks ?? []).forEach((check, index) => {
    if (!(check.evidence?.test?.log ?? check.evidence?.log)) return;
    const details = document.createElement("details");
    details.className = "check-log";
    details.dataset.check = check.id;
    const test = check.evidence?.test;
    const pre = cell("log", "", "pre");
    details.append(cell("", test?.command ? `log of '${test.command}' (exit ${test.exit ?? "?"})` : "log", "summary"), pre);
    if (openLogs.has(check.id)) {
      pre.textContent = openLogs.get(check.id);
      details.open = true;
    }
    details.addEventListener("toggle", async () => {
      if (!details.open) {
        openLogs.delete(check.id);
        return;
      }
      if (!openLogs.has(check.id)) openLogs.set(check.id, "");
      if (pre.textContent) return;
      const response = await fetch(`${base}/checks/${encodeURIComponent(check.id)}/log`, { credentials: "same-origin" });
      pre.textContent = response.ok ? await response.text() : `The log could not be read (HTTP ${response.status}).`;
      if (openLogs.has(check.id)) openLogs.set(check.id, pre.textContent);
    });
    checkRows[index].lastElementChild.append(details);
  });
  rows("#sessions", sessions ?? [], (log) => [
    when(log.started_at), log.started_by, log.is_active ? "still working" : when(log.ended_at), log.outcome ?? "",
    log.branch_name ?? "", `${log.input_tokens} / ${log.output_tokens}`,
  ]);
  document.getElementById("comments").replaceChildren(...(comments ?? []).map((comment) => {
    const li = document.createElement("li");
    li.append(cell("meta", `${comment.author}, ${when(comment.created_at)}`), cell("body", comment.body, "p"));
    return li;
  }));
  const newestFirst = [...(events ?? [])].reverse();
  document.querySelector("#events tbody").replaceChildren(...newestFirst.map((event) => {
    const tr = document.createElement("tr");
    tr.dataset.type = event.type;
    tr.append(cell("", when(event.created_at), "td"), cell("", event.type, "td"), cell("", describe(event), "td"));
    return tr;
  }));
  follow();
});

// Only events about this issue (and edges, which may name it from the other end) make it read again; its progress
// reports do not (the run shows them), and a stream of events reads it at most every 150 ms.
const soon = throttled(refresh, 150);
live(refresh, {
  onEvent: (event) => {
    if (event.subject !== key && !event.type.startsWith("dependency.")) return;
    if (event.type !== "issue.progress") soon();
  },
});
