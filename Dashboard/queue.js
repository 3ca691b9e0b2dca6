// The queue: the eligible issues in the order agents take them, with the parts of their score, then the ready issues
// that wait and why (a blocker not finished, paths overlapping work in flight), then the dependency graph as the
// server lays it out (GET /api/v1/graph), drawn as SVG: each issue a box coloured by its state, linked to its page.
import { cell, coalesced, getJSON, live, throttled } from "/assets/common.js";

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

const queueSoon = throttled(() => refresh(), 150);
const svg = "http://www.w3.org/2000/svg";

function element(name, attributes) {
  const node = document.createElementNS(svg, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

const drawGraph = coalesced(async () => {
  const all = document.getElementById("all-closed").checked;
  const graph = await getJSON(`/api/v1/graph${all ? "?all=true" : ""}`);
  if (!graph) return;
  const picture = document.getElementById("graph");
  picture.setAttribute("viewBox", `0 0 ${Math.max(graph.width, 1)} ${Math.max(graph.height, 1)}`);
  picture.setAttribute("width", String(graph.width));
  picture.setAttribute("height", String(graph.height));
  const marker = element("marker", {
    id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto",
  });
  marker.append(element("path", { d: "M0,0 L10,5 L0,10 z" }));
  const defs = element("defs", {});
  defs.append(marker);
  const at = new Map(graph.nodes.map((node) => [node.key, node]));
  const edges = graph.edges.map((edge) => {
    const from = at.get(edge.blocker);
    const to = at.get(edge.blocked);
    const x1 = from.x + graph.node_width;
    const y1 = from.y + graph.node_height / 2;
    const x2 = to.x;
    const y2 = to.y + graph.node_height / 2;
    const bend = Math.max(20, (x2 - x1) / 2);
    const path = element("path", {
      d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`,
      class: edge.holding ? "edge holding" : "edge", "marker-end": "url(#arrow)",
    });
    path.dataset.blocker = edge.blocker;
    path.dataset.blocked = edge.blocked;
    return path;
  });
  const nodes = graph.nodes.map((node) => {
    const link = element("a", { href: `/issues/${encodeURIComponent(node.key)}` });
    link.dataset.key = node.key;
    link.dataset.state = node.state;
    const box = element("rect", {
      x: node.x, y: node.y, width: graph.node_width, height: graph.node_height, rx: 5, class: `node state-${node.state}`,
    });
    const key = element("text", { x: node.x + 8, y: node.y + 18, class: "key" });
    key.textContent = `${node.key} · ${node.status.replace("_", " ")}`;
    const title = element("text", { x: node.x + 8, y: node.y + 36, class: "title" });
    title.textContent = node.title.length > 28 ? `${node.title.slice(0, 27)}…` : node.title;
    const tip = element("title", {});
    tip.textContent = `${node.key}: ${node.title} (${node.state.replace("_", " ")})`;
    link.append(tip, box, key, title);
    return link;
  });
  picture.replaceChildren(defs, ...edges, ...nodes);
  document.getElementById("graph-title").textContent =
    `Dependencies — ${graph.nodes.length} issues, ${graph.edges.filter((edge) => edge.holding).length} still holding`;
});

document.getElementById("all-closed").addEventListener("change", () => drawGraph());

// The graph is drawn again only for events that change it, at most every two seconds.
const graphSoon = throttled(() => drawGraph(), 2000);
live(refresh, {
  onEvent: (event) => {
    queueSoon();
    if (event.type.startsWith("issue.") && event.type !== "issue.progress") graphSoon();
    else if (event.type.startsWith("dependency.")) graphSoon();
  },
});
drawGraph();
