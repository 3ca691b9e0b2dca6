// Cost and metrics (/stats): the plan's success measures over a window from GET /api/v1/stats — issues closed per
// day, tokens and cost per day (bar charts), review and verification pass rates, utilization, conflicts per 100
// commits, submission to merge, tokens and cost per issue — and each agent's share, tokens and cost. The window is
// kept in the address.
import { cell, coalesced, getJSON, live } from "/assets/common.js";

const params = new URLSearchParams(window.location.search);
const since = document.getElementById("since");
since.value = params.get("since") ?? "7d";
const svg = "http://www.w3.org/2000/svg";

const percent = (rate) => (rate == null ? "—" : `${Math.round(rate * 100)} %`);
function duration(seconds) {
  if (seconds == null) return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function figure(label, value, detail) {
  const box = document.createElement("div");
  box.className = "figure";
  box.dataset.label = label;
  box.append(cell("value", value), cell("label", label));
  if (detail) box.append(cell("detail", detail));
  return box;
}

// One bar per day in the SVG `id`, scaled to the largest `value`; each with `label` as a tooltip (an SVG title).
function chart(id, days, value, label) {
  const element = document.getElementById(id);
  const width = 720;
  const height = 160;
  element.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  const most = Math.max(1e-9, ...days.map(value));
  const step = width / Math.max(1, days.length);
  element.replaceChildren(...days.map((day, index) => {
    const group = document.createElementNS(svg, "g");
    const bar = document.createElementNS(svg, "rect");
    const barHeight = (value(day) / most) * height;
    bar.setAttribute("x", String(index * step + 2));
    bar.setAttribute("y", String(height - barHeight));
    bar.setAttribute("width", String(Math.max(1, step - 4)));
    bar.setAttribute("height", String(barHeight));
    bar.setAttribute("class", "bar");
    bar.dataset.day = day.day;
    const title = document.createElementNS(svg, "title");
    title.textContent = `${day.day}: ${label(day)}`;
    bar.append(title);
    group.append(bar);
    if (days.length <= 31) {
      const text = document.createElementNS(svg, "text");
      text.setAttribute("x", String(index * step + step / 2));
      text.setAttribute("y", String(height + 14));
      text.setAttribute("text-anchor", "middle");
      text.textContent = day.day.slice(5);
      group.append(text);
    }
    return group;
  }));
}

// One horizontal bar per agent, its length the tokens it used (in and out), labelled with its cost.
function agentChart(agents) {
  const element = document.getElementById("per-agent");
  const width = 720;
  const row = 22;
  const labelWidth = 140;
  element.setAttribute("viewBox", `0 0 ${width} ${Math.max(row, agents.length * row)}`);
  const most = Math.max(1, ...agents.map((agent) => agent.input_tokens + agent.output_tokens));
  element.replaceChildren(...agents.map((agent, index) => {
    const group = document.createElementNS(svg, "g");
    group.dataset.agent = agent.agent;
    const tokens = agent.input_tokens + agent.output_tokens;
    const name = document.createElementNS(svg, "text");
    name.setAttribute("x", "0");
    name.setAttribute("y", String(index * row + 15));
    name.textContent = agent.agent;
    const bar = document.createElementNS(svg, "rect");
    bar.setAttribute("x", String(labelWidth));
    bar.setAttribute("y", String(index * row + 4));
    bar.setAttribute("width", String(Math.max(1, ((width - labelWidth - 160) * tokens) / most)));
    bar.setAttribute("height", String(row - 8));
    bar.setAttribute("class", "bar");
    const title = document.createElementNS(svg, "title");
    title.textContent = `${agent.agent}: ${agent.input_tokens} tokens in, ${agent.output_tokens} out, $${agent.cost_usd.toFixed(2)}`;
    bar.append(title);
    const figure = document.createElementNS(svg, "text");
    figure.setAttribute("x", String(labelWidth + 8 + ((width - labelWidth - 160) * tokens) / most));
    figure.setAttribute("y", String(index * row + 15));
    figure.textContent = `${tokens} tokens · $${agent.cost_usd.toFixed(2)}`;
    group.append(name, bar, figure);
    return group;
  }));
}

// Every day of the window (UTC, as the server counts them), with what the server said of each day (nothing: zeros).
function everyDay(stats) {
  const closed = new Map(stats.closed_per_day.map((day) => [day.day, day.closed]));
  const usage = new Map(stats.usage_per_day.map((day) => [day.day, day]));
  const entry = (key) => {
    const used = usage.get(key);
    return {
      day: key, closed: closed.get(key) ?? 0, tokens: used ? used.input_tokens + used.output_tokens : 0,
      input: used?.input_tokens ?? 0, output: used?.output_tokens ?? 0, cost: used?.cost_usd ?? 0,
    };
  };
  const days = [];
  const end = new Date(stats.until);
  for (let day = new Date(stats.since); day <= end; day = new Date(day.getTime() + 86_400_000)) {
    const key = day.toISOString().slice(0, 10);
    if (days.length === 0 || days[days.length - 1].day !== key) days.push(entry(key));
  }
  const last = end.toISOString().slice(0, 10);
  if (days.length > 0 && days[days.length - 1].day !== last) days.push(entry(last));
  return days;
}

const refresh = coalesced(async () => {
  const stats = await getJSON(`/api/v1/stats?since=${encodeURIComponent(since.value)}`);
  if (!stats) return;
  const usage = stats.usage;
  document.getElementById("figures").replaceChildren(
    figure("Issues closed", String(stats.closed), `${stats.merged} merged`),
    figure("Review pass rate", percent(stats.review_first_pass.rate),
      `${stats.review_first_pass.passed} of ${stats.review_first_pass.total} approved first time`),
    figure("Verification pass rate", percent(stats.verification.rate),
      `${stats.verification.passed} of ${stats.verification.total} runs`),
    figure("Utilization", percent(stats.utilization), `${stats.agents.length} agent(s)`),
    figure("Conflicts per 100 commits", stats.conflicts.per_100_commits?.toFixed(1) ?? "—",
      `${stats.conflicts.conflicts} in ${stats.conflicts.commits} commits`),
    figure("Submission to merge", duration(stats.submission_to_merge.mean_seconds),
      `p90 ${duration(stats.submission_to_merge.p90_seconds)}, ${stats.submission_to_merge.count} merged`),
    figure("Tokens per issue", usage.input_tokens_per_issue == null ? "—"
      : `${Math.round(usage.input_tokens_per_issue)} in / ${Math.round(usage.output_tokens_per_issue)} out`,
    `${usage.issues} issue(s) with usage`),
    figure("Cost per issue", usage.cost_usd_per_issue == null ? "—" : `$${usage.cost_usd_per_issue.toFixed(2)}`,
      `$${usage.cost_usd.toFixed(2)} in all`),
  );
  const days = everyDay(stats);
  chart("closed", days, (day) => day.closed, (day) => `${day.closed} closed`);
  chart("tokens", days, (day) => day.tokens, (day) => `${day.input} tokens in, ${day.output} out`);
  chart("cost", days, (day) => day.cost, (day) => `$${day.cost.toFixed(2)}`);
  agentChart(stats.agents);
  document.querySelector("#agents tbody").replaceChildren(...stats.agents.map((agent) => {
    const tr = document.createElement("tr");
    tr.dataset.agent = agent.agent;
    tr.append(...[
      agent.agent, String(agent.sessions), duration(agent.busy_seconds), percent(agent.utilization),
      `${agent.input_tokens} / ${agent.output_tokens}`, `$${agent.cost_usd.toFixed(2)}`,
    ].map((text) => cell("", text, "td")));
    return tr;
  }));
});

since.addEventListener("change", () => {
  window.history.replaceState(null, "", `/stats?since=${encodeURIComponent(since.value)}`);
  refresh();
});

live(refresh);
