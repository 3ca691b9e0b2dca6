// Diff review (/review, /review/KEY): the issues waiting for review riskiest first, one issue's branch against its
// base (files, unified or side by side), its verification beside it, line comments that go back to the agent with
// "Request changes", and Approve. Keyboard: n/p issues, j/k files, v view, r comment, a approve.
import { age, cell, coalesced, getJSON, live, post } from "/assets/common.js";

const parts = window.location.pathname.split("/").filter((part) => part);
const key = parts.length > 1 ? decodeURIComponent(parts[1]) : null;
const params = new URLSearchParams(window.location.search);
let view = params.get("view") === "split" ? "split" : "unified";
let queue = [];
let diff = null;
let shownVersion = null;
// Line comments not sent yet, by "path|side|line".
const pending = new Map();

const address = (target) => `/review/${encodeURIComponent(target)}${view === "split" ? "?view=split" : ""}`;

function renderQueue() {
  document.getElementById("waiting").textContent = `Waiting for review (${queue.length})`;
  document.getElementById("queue").replaceChildren(...queue.map((entry) => {
    const li = document.createElement("li");
    li.dataset.key = entry.issue.key;
    if (entry.issue.key === key) li.setAttribute("aria-current", "true");
    const a = cell("key", entry.issue.key, "a");
    a.href = address(entry.issue.key);
    const badges = [
      entry.failed_checks ? "failed" : "", entry.conflict_risk ? `${entry.conflict_risk} conflicts` : "",
      entry.approved ? "approved" : "", `${entry.size} lines`, age(entry.age_seconds),
    ].filter((text) => text).join(" · ");
    li.append(a, cell("title", entry.issue.title), cell("hint", badges));
    return li;
  }));
}

function renderEvidence(checks) {
  const box = document.getElementById("evidence");
  const verification = [...(checks ?? [])].reverse().find((check) => check.kind === "verification");
  if (!verification) {
    box.replaceChildren(cell("hint", "No verification recorded.", "p"));
    return;
  }
  const test = verification.evidence?.test;
  const merge = verification.evidence?.merge;
  const lines = [
    `Verification ${verification.passed ? "passed" : "failed"}: ${verification.summary}`,
    test ? `${test.command ?? "tests"} exited ${test.exit}${test.timed_out ? " (timed out)" : ""}` : "",
    merge ? (merge.clean ? "merges cleanly into the base" : `merge conflicts: ${(merge.conflicts ?? []).join(", ")}`) : "",
  ].filter((text) => text);
  box.replaceChildren(...lines.map((text) => cell(verification.passed ? "passed" : "failed", text, "p")));
  box.dataset.passed = String(verification.passed);
  if (!verification.passed && test?.log) {
    // The failing run's log: its last 30 lines.
    const pre = cell("log", "", "pre");
    box.append(pre);
    fetch(`/api/v1/issues/${encodeURIComponent(key)}/checks/${encodeURIComponent(verification.id)}/log`,
      { credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : ""))
      .then((text) => { pre.textContent = text.trimEnd().split("\n").slice(-30).join("\n"); });
  }
}

function commentKey(path, side, line) { return `${path}|${side}|${line}`; }

// The form under a line, or its pending comment.
function commentRow(path, side, line, columns) {
  const tr = document.createElement("tr");
  tr.className = "line-comment";
  const td = document.createElement("td");
  td.colSpan = columns;
  const id = commentKey(path, side, line);
  const saved = pending.get(id);
  if (saved) {
    const remove = cell("quiet", "Remove", "button");
    remove.type = "button";
    remove.addEventListener("click", () => { pending.delete(id); renderDiff(); });
    td.append(cell("body", saved.body, "p"), remove);
  } else {
    const form = document.createElement("form");
    const text = document.createElement("textarea");
    text.placeholder = `Comment on ${path}:${line}`;
    const add = cell("", "Add comment", "button");
    add.type = "submit";
    form.append(text, add);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      pending.set(id, { path, side, line, body: text.value.trim() });
      renderDiff();
    });
    td.append(form);
    setTimeout(() => text.focus(), 0);
  }
  tr.append(td);
  return tr;
}

let open = null; // the line whose form is shown: "path|side|line"

function numberCell(path, side, line) {
  const td = document.createElement("td");
  td.className = "number";
  if (line === null) return td;
  const button = cell("", String(line), "button");
  button.type = "button";
  button.dataset.line = String(line);
  button.dataset.side = side;
  button.title = "Comment on this line";
  button.addEventListener("click", () => {
    const id = commentKey(path, side, line);
    open = open === id ? null : id;
    renderDiff();
  });
  td.append(button);
  return td;
}

const marks = { added: "+", deleted: "-", context: " " };

function textCell(line) {
  const td = cell(`text ${line ? line.kind : "empty"}`, line ? marks[line.kind] + line.text : "", "td");
  return td;
}

// The rows of a hunk side by side: a run of removed lines beside the added lines that follow it.
function pairs(lines) {
  const result = [];
  for (let index = 0; index < lines.length;) {
    if (lines[index].kind === "context") {
      result.push([lines[index], lines[index]]);
      index += 1;
      continue;
    }
    const deleted = [];
    const added = [];
    while (index < lines.length && lines[index].kind === "deleted") deleted.push(lines[index++]);
    while (index < lines.length && lines[index].kind === "added") added.push(lines[index++]);
    for (let row = 0; row < Math.max(deleted.length, added.length); row += 1) {
      result.push([deleted[row] ?? null, added[row] ?? null]);
    }
  }
  return result;
}

function fileTable(file) {
  const table = document.createElement("table");
  table.className = `diff ${view}`;
  const body = document.createElement("tbody");
  const columns = view === "split" ? 4 : 3;
  const after = (path, side, line) => {
    const id = commentKey(path, side, line);
    if (open === id || pending.has(id)) body.append(commentRow(path, side, line, columns));
  };
  for (const hunk of file.hunks) {
    const header = document.createElement("tr");
    header.className = "hunk";
    const td = cell("", `@@ -${hunk.old_start},${hunk.old_count} +${hunk.new_start},${hunk.new_count} @@ ${hunk.section}`, "td");
    td.colSpan = columns;
    header.append(td);
    body.append(header);
    if (view === "split") {
      for (const [left, right] of pairs(hunk.lines)) {
        const tr = document.createElement("tr");
        // The old side's number is a comment button only on a removed line (a context line is commented on its new
        // side, to the right).
        const oldNumber = numberCell(file.path, "old", left && left.kind === "deleted" ? left.old : null);
        if (left && left.kind === "context") oldNumber.textContent = String(left.old);
        tr.append(
          oldNumber,
          textCell(left && left.kind === "context" ? left : left && left.kind === "deleted" ? left : null),
          numberCell(file.path, "new", right && right.kind !== "deleted" ? right.new : null),
          textCell(right && right.kind !== "deleted" ? right : null));
        body.append(tr);
        if (left && left.kind === "deleted") after(file.path, "old", left.old);
        if (right && right.kind !== "deleted") after(file.path, "new", right.new);
      }
    } else {
      for (const line of hunk.lines) {
        const tr = document.createElement("tr");
        tr.className = line.kind;
        tr.append(
          numberCell(file.path, "old", line.kind === "deleted" ? line.old : null),
          numberCell(file.path, "new", line.new),
          textCell(line));
        if (line.kind === "context") tr.children[0].textContent = String(line.old);
        body.append(tr);
        after(file.path, line.kind === "deleted" ? "old" : "new", line.kind === "deleted" ? line.old : line.new);
      }
    }
  }
  table.append(body);
  return table;
}

function renderDiff() {
  const files = diff?.files ?? [];
  document.getElementById("files").replaceChildren(...files.map((file) => {
    const li = document.createElement("li");
    const a = cell("", file.path, "a");
    a.href = `#file-${files.indexOf(file)}`;
    li.append(a, cell("hint", ` ${file.change} +${file.insertions} −${file.deletions}`));
    return li;
  }));
  document.getElementById("diff").replaceChildren(...files.map((file, index) => {
    const section = document.createElement("section");
    section.className = "file";
    section.id = `file-${index}`;
    section.dataset.path = file.path;
    section.tabIndex = -1;
    const title = file.old_path ? `${file.old_path} → ${file.path}` : file.path;
    section.append(cell("", `${title} (${file.change}, +${file.insertions} −${file.deletions})`, "h3"));
    if (file.binary) section.append(cell("hint", "Binary file.", "p"));
    else if (file.truncated) section.append(cell("hint", "Too large to show here; see `turbocode review diff`.", "p"));
    else section.append(fileTable(file));
    return section;
  }));
  document.getElementById("pending").textContent =
    pending.size ? `${pending.size} line comment${pending.size === 1 ? "" : "s"} to send` : "";
  document.getElementById("toggle").textContent = view === "split" ? "Unified" : "Side by side";
}

function move(step) {
  const index = queue.findIndex((entry) => entry.issue.key === key);
  const next = queue[index + step] ?? (index === -1 ? queue[0] : null);
  if (next) window.location.assign(address(next.issue.key));
}

function focusFile(step) {
  const sections = [...document.querySelectorAll("section.file")];
  if (sections.length === 0) return;
  const current = sections.findIndex((section) => section === document.activeElement);
  const next = sections[Math.min(sections.length - 1, Math.max(0, current + step))];
  next.focus();
  next.scrollIntoView({ block: "start" });
}

async function decide(action) {
  const comment = document.getElementById("comment").value.trim();
  const body = { comment };
  if (action === "request-changes") body.line_comments = [...pending.values()];
  try {
    await post(`/api/v1/issues/${encodeURIComponent(key)}/${action}`, body);
  } catch (error) {
    const box = document.getElementById("error");
    box.textContent = error.message;
    box.hidden = false;
    return;
  }
  pending.clear();
  document.getElementById("comment").value = "";
  const others = queue.filter((entry) => entry.issue.key !== key);
  window.location.assign(others.length ? address(others[0].issue.key) : "/review");
}

const loadQueue = coalesced(async () => {
  queue = (await getJSON("/api/v1/reviews")) ?? [];
  if (!key && queue.length) {
    window.location.replace(address(queue[0].issue.key));
    return;
  }
  renderQueue();
});

const loadIssue = coalesced(async () => {
  if (!key) {
    document.getElementById("summary").textContent = "Nothing waits for review.";
    return;
  }
  const base = `/api/v1/issues/${encodeURIComponent(key)}`;
  const [issue, checks] = await Promise.all([getJSON(base), getJSON(`${base}/checks`)]);
  if (!issue) return;
  document.title = `turboCode — review ${issue.key}`;
  document.getElementById("summary").textContent = `${issue.key}: ${issue.title}`;
  const reviewing = issue.status === "review";
  document.getElementById("decide").hidden = !reviewing;
  renderEvidence(checks);
  // The diff changes only with new commits: an unchanged issue keeps it (and any comment being typed).
  if (diff && issue.updated_at === shownVersion) return;
  shownVersion = issue.updated_at;
  diff = await getJSON(`${base}/diff`);
  const facts = [reviewing ? "in review" : `${issue.status}, not in review`];
  if (diff) {
    facts.push(`${diff.branch} against ${diff.base}`,
      `${diff.files.length} files, +${diff.insertions} −${diff.deletions}`);
  }
  document.getElementById("facts").textContent = facts.join(" · ");
  renderDiff();
});

document.getElementById("toggle").addEventListener("click", () => {
  view = view === "split" ? "unified" : "split";
  if (key) window.history.replaceState(null, "", address(key));
  renderDiff();
});
document.getElementById("request").addEventListener("click", () => decide("request-changes"));
document.getElementById("approve").addEventListener("click", () => decide("approve"));
document.addEventListener("keydown", (event) => {
  if (event.target.closest?.("textarea, input") || event.metaKey || event.ctrlKey || event.altKey) return;
  const actions = {
    n: () => move(1), p: () => move(-1), j: () => focusFile(1), k: () => focusFile(-1),
    v: () => document.getElementById("toggle").click(),
    r: () => document.getElementById("comment").focus(),
    a: () => document.getElementById("approve").focus(),
  };
  if (!actions[event.key]) return;
  event.preventDefault();
  actions[event.key]();
});

live(() => { loadQueue(); loadIssue(); }, {
  onEvent: (event) => {
    if (event.type.startsWith("review.") || event.type.startsWith("issue.") || event.type.startsWith("verification.")) {
      loadQueue();
      if (event.subject === key) loadIssue();
    }
  },
});
