// The queue: the eligible issues in the order agents take them, with the parts of their score, then the ready issues
// that wait and why (a blocker not finished, paths overlapping work in flight).
import { cell, coalesced, getJSON, live } from "/assets/common.js";

function row(cells) {
  const tr = document.createElement("tr");
  tr.append(...cells.map((text) => cell("", text, "td")));
  return tr;
}

const refresh = coalesced(async () => {
  const entries = await getJSON("/api/v1/queue");
  if (!entries) return;
  const eligible = entries.filter((entry) => entry.eligible);
  const waiting = entries.filter((entry) => !entry.eligible);
  const parts = (entry) => ["priority", "no_blockers", "age", "blocks"]
    .map((name) => entry.score_parts[name].toFixed(1)).join(" + ");
  const eligibleRows = eligible.map((entry) => row([
    String(entry.position), entry.key, entry.title, entry.work_rank === null ? "-" : String(entry.work_rank),
    entry.score.toFixed(1), parts(entry),
  ]));
  const waitingRows = waiting.map((entry) => row([entry.key, entry.title, entry.score.toFixed(1), entry.reason ?? ""]));
  for (const [index, tr] of eligibleRows.entries()) tr.dataset.key = eligible[index].key;
  for (const [index, tr] of waitingRows.entries()) tr.dataset.key = waiting[index].key;
  document.querySelector("#eligible tbody").replaceChildren(...eligibleRows);
  document.querySelector("#waiting tbody").replaceChildren(...waitingRows);
  document.getElementById("summary").textContent = `Queue — ${eligible.length} eligible, ${waiting.length} waiting`;
});

live(refresh);
