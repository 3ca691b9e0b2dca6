// One issue (/issues/KEY): its facts, description, dependencies both ways, checks, work sessions and comments, live.
import { cell, coalesced, getJSON, live } from "/assets/common.js";

const key = decodeURIComponent(window.location.pathname.split("/").pop());
const when = (text) => (text ? new Date(text).toLocaleString() : "");

function link(target) {
  const a = cell("", target, "a");
  a.href = `/issues/${encodeURIComponent(target)}`;
  return a;
}

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
      span.append(link(target));
    });
    parts.push(span);
  }
  const box = document.getElementById("dependencies");
  box.replaceChildren(...parts.flatMap((part, index) => (index > 0 ? [document.createElement("br"), part] : [part])));
  if (parts.length === 0) box.textContent = "None.";
}

const refresh = coalesced(async () => {
  const base = `/api/v1/issues/${encodeURIComponent(key)}`;
  const [issue, checks, sessions, comments] = await Promise.all([
    getJSON(base), getJSON(`${base}/checks`), getJSON(`${base}/work-logs`), getJSON(`${base}/comments`),
  ]);
  if (!issue) return;
  document.title = `turboCode — ${issue.key}`;
  document.getElementById("summary").textContent = `${issue.key}: ${issue.title}`;
  const facts = [
    issue.status + (issue.closed_reason ? ` (${issue.closed_reason})` : ""), `priority ${issue.priority}`,
    issue.type, issue.assigned_to ? `with ${issue.assigned_to}` : "unassigned",
    issue.capabilities.length ? `needs ${issue.capabilities.join(", ")}` : "",
    issue.paths.length ? `paths ${issue.paths.join(", ")}` : "", `created ${when(issue.created_at)}`,
  ].filter((part) => part);
  document.getElementById("facts").textContent = facts.join(" · ");
  document.getElementById("description").textContent = issue.description || "No description.";
  dependencies(issue);
  rows("#checks", checks ?? [], (check) => [
    when(check.created_at), check.kind, check.passed ? "passed" : "failed", check.actor, check.summary,
  ]);
  rows("#sessions", sessions ?? [], (log) => [
    when(log.started_at), log.started_by, log.is_active ? "still working" : when(log.ended_at), log.outcome ?? "",
    log.branch_name ?? "", `${log.input_tokens} / ${log.output_tokens}`,
  ]);
  document.getElementById("comments").replaceChildren(...(comments ?? []).map((comment) => {
    const li = document.createElement("li");
    li.append(cell("meta", `${comment.author}, ${when(comment.created_at)}`), cell("body", comment.body, "p"));
    return li;
  }));
});

live(refresh);
