// The merge queue and the conflict radar (/merge): the merge under way and its step, approved work in the order the
// merge queue takes it, the work still waiting for review (riskiest first, as `turbocode review list` orders it), and
// the predicted conflicts between active branches as a matrix with the paths they share.
import { age, cell, coalesced, getJSON, issueLink, live } from "/assets/common.js";


function row(key, texts) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  const first = document.createElement("td");
  first.append(issueLink(key));
  tr.append(first, ...texts.map((text) => cell("", text, "td")));
  return tr;
}

function table(id, rows) {
  document.querySelector(`#${id} tbody`).replaceChildren(...rows);
  document.getElementById(id).hidden = rows.length === 0;
  document.getElementById(`${id}-empty`).hidden = rows.length > 0;
}

function radar(conflicts) {
  const between = conflicts.filter((conflict) => conflict.other);
  const keys = [...new Set(between.flatMap((conflict) => [conflict.issue, conflict.other]))].sort();
  const paths = new Map();
  for (const conflict of between) {
    for (const pair of [`${conflict.issue} ${conflict.other}`, `${conflict.other} ${conflict.issue}`]) {
      paths.set(pair, [...new Set([...(paths.get(pair) ?? []), ...conflict.paths])]);
    }
  }
  const head = document.createElement("tr");
  head.append(cell("", "", "th"), ...keys.map((key) => cell("", key, "th")));
  const rows = keys.map((key) => {
    const tr = document.createElement("tr");
    tr.append(cell("", key, "th"));
    for (const other of keys) {
      const shared = paths.get(`${key} ${other}`) ?? [];
      const td = cell(shared.length ? "hit" : "", shared.length ? String(shared.length) : "", "td");
      td.title = shared.join("\n");
      td.dataset.pair = `${key} ${other}`;
      tr.append(td);
    }
    return tr;
  });
  document.getElementById("radar").replaceChildren(...(keys.length ? [head, ...rows] : []));
  const withBase = conflicts.filter((conflict) => !conflict.other);
  document.getElementById("with-base").replaceChildren(...withBase.map((conflict) => {
    const li = document.createElement("li");
    li.append(issueLink(conflict.issue), ` conflicts with the base branch in ${conflict.paths.join(", ")}`);
    return li;
  }));
  document.getElementById("radar-empty").hidden = conflicts.length > 0;
}

// A merge's steps write no events until it ends: while one runs, its step is read again every two seconds.
let stepTimer = null;
const showStep = coalesced(async () => {
  clearTimeout(stepTimer);
  const queue = await getJSON("/api/v1/merge-queue");
  const box = document.getElementById("step");
  if (!queue) return;
  box.replaceChildren();
  if (!queue.running) {
    box.textContent = "No merge queue runs beside this server (it has no repository).";
  } else if (queue.current) {
    box.dataset.step = queue.current.step;
    box.append("Now: ", issueLink(queue.current.issue), ` — ${queue.current.step} for ${age(queue.current.seconds)}`);
    stepTimer = setTimeout(showStep, 2000);
  } else {
    delete box.dataset.step;
    box.textContent = "Nothing is being merged right now.";
  }
});

const refresh = coalesced(async () => {
  showStep();
  const [reviews, conflicts] = await Promise.all([getJSON("/api/v1/reviews"), getJSON("/api/v1/conflicts")]);
  if (!reviews || !conflicts) return;
  const approved = reviews.filter((entry) => entry.approved)
    .sort((a, b) => (a.decision?.created_at ?? "").localeCompare(b.decision?.created_at ?? ""));
  const waiting = reviews.filter((entry) => !entry.approved);
  table("merging", approved.map((entry, index) => {
    const tr = row(entry.issue.key, [entry.issue.title, entry.decision?.actor ?? "", age(entry.age_seconds)]);
    tr.prepend(cell("", String(index + 1), "td"));
    return tr;
  }));
  table("reviewing", waiting.map((entry) => row(entry.issue.key, [
    entry.issue.title, entry.verification ? entry.verification.summary : "not verified",
    String(entry.size), String(entry.conflict_risk), age(entry.age_seconds),
  ])));
  radar(conflicts);
  document.getElementById("summary").textContent =
    `Merge queue — ${approved.length} approved, ${waiting.length} waiting for review, ${conflicts.length} conflict(s)`;
});

live(refresh);
