// The fleet (/fleet): `turbocode up`'s agents with what each works on and how long it has been quiet, the slots used
// and free, paused drivers with their reset times, every live lease with its heartbeat (remote workers' too), and the
// alerts and pauses the inbox lists as broke. Live; the ages tick in the page.
import { age, cell, coalesced, getJSON, issueLink, live } from "/assets/common.js";

const since = (text) => Math.max(0, Math.round((Date.now() - Date.parse(text)) / 1000));
const when = (text) => (text ? new Date(text).toLocaleString() : "");


function figure(label, value, detail) {
  const box = document.createElement("div");
  box.className = "figure";
  box.dataset.label = label;
  box.append(cell("label", label), cell("value", value), cell("detail", detail));
  return box;
}

function row(key, cells) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  tr.append(...cells.map((content) => {
    const td = document.createElement("td");
    td.append(...(Array.isArray(content) ? content : [content]));
    return td;
  }));
  return tr;
}

const refresh = coalesced(async () => {
  const [fleet, leases, attention] = await Promise.all([
    getJSON("/api/v1/fleet"), getJSON("/api/v1/leases"), getJSON("/api/v1/attention"),
  ]);
  if (!fleet) return;
  document.getElementById("summary").textContent = fleet.pool
    ? `Fleet — ${fleet.agents.length} agent${fleet.agents.length === 1 ? "" : "s"}, ${fleet.capacity.used} of ${fleet.capacity.slots} slots working`
    : "Fleet — no pool on this server";
  document.getElementById("pool").textContent = fleet.pool
    ? `${fleet.submitted} submitted and ${fleet.released} given back since the pool started.`
    : "This server runs no agents (turbocode serve); turbocode up runs a pool. Leases below are any agent's.";
  document.getElementById("figures").replaceChildren(
    figure("Free slots", String(fleet.capacity.free), `${fleet.capacity.slots} in all`),
    figure("Eligible", String(fleet.queue.eligible), `${fleet.queue.unassignable} no agent can take now`),
    figure("Held back", String(fleet.queue.held_back), "only paused drivers could take them"),
    figure("Cooling down", String(fleet.queue.cooling), "waiting out a back-off after a failed run"),
    figure("Waiting for review", String(fleet.awaiting_review.length), fleet.awaiting_review.join(", ")),
    figure("Set aside", String(fleet.set_aside.length), fleet.set_aside.join(", ")));
  document.querySelector("#agents tbody").replaceChildren(...fleet.agents.map((agent) => {
    const working = agent.running.flatMap((run, index) => {
      const quiet = cell("quiet", "");
      quiet.dataset.at = run.last_activity;
      return [...(index ? [document.createElement("br")] : []), issueLink(run.issue), " ", quiet];
    });
    const state = agent.paused
      ? `paused (${agent.paused.kind}) ${agent.paused.until ? `until ${when(agent.paused.until)}` : "until a person acts"}`
      : agent.running.length ? "working" : "idle";
    const tr = row(agent.id, [
      agent.id, agent.model ? `${agent.driver} (${agent.model})` : agent.driver, agent.capabilities.join(", "),
      `${agent.running.length} / ${agent.max_concurrent_issues}`, working.length ? working : "—", state,
    ]);
    tr.dataset.state = agent.paused ? "paused" : agent.running.length ? "working" : "idle";
    return tr;
  }));
  document.getElementById("paused").replaceChildren(...(fleet.paused_drivers.length
    ? fleet.paused_drivers.map((pause) => cell("", `${pause.driver}: ${pause.kind}, ${pause.until
      ? `resumes ${when(pause.until)}` : "until a person acts"} — ${pause.reason}`, "li"))
    : [cell("hint", "None.", "li")]));
  document.querySelector("#leases tbody").replaceChildren(...(leases ?? []).map((lease) => {
    const beat = cell("quiet", "");
    beat.dataset.at = lease.heartbeat_at;
    return row(lease.issue, [issueLink(lease.issue), lease.agent, String(lease.epoch), beat, when(lease.expires_at)]);
  }));
  const broke = (attention?.items ?? []).filter((item) => ["alert", "driver_paused", "permission_denied"]
    .includes(item.kind));
  document.getElementById("alerts").replaceChildren(...(broke.length
    ? broke.map((item) => cell("", `${item.kind} · ${item.subject}: ${[item.title, item.message].filter((part) => part).join(": ")}`, "li"))
    : [cell("hint", "None.", "li")]));
  tick();
});

// "quiet 12s" / "12s ago" without asking the server again.
function tick() {
  for (const element of document.querySelectorAll(".quiet[data-at]")) {
    const seconds = since(element.dataset.at);
    element.textContent = element.closest("#leases") ? `${age(seconds)} ago` : `quiet ${age(seconds)}`;
  }
}
setInterval(tick, 5000);

live(refresh);
