// Radar: the live feed (newest first, pushed by the stream), counts by action as SVG bars,
// and the most active customers.

import { call } from "./api.js";
import { h, svg, avatar, panel, show, errorLine } from "./ui.js";

let feed = null;       // the <ul> of events while this page is shown
let seen = new Set();  // event ids already listed
let counts = null;     // {names: {"1": "查看名片"...}, detail: {"1": n}}
let chart = null;
let isLive = false;

function eventItem(e, fresh) {
  return h("li", { class: fresh ? "fresh" : "", "data-id": e.id },
    avatar(e.headimgurl),
    h("div", { class: "grow" },
      h("div", {}, e.log),
      h("div", { class: "muted" }, h("span", { class: "tag" }, e.action_name), e.create_date.replace("T", " ").slice(0, 19))),
    h("a", { href: `#/customer/${e.customer_id}`, class: "hide-narrow" }, "查看"));
}

function bars() {
  const names = counts.names;
  const ids = Object.keys(names).filter((id) => counts.detail[id]);
  if (ids.length === 0) return h("p", { class: "muted" }, "近 7 天暂无行为");
  const max = Math.max(...ids.map((id) => counts.detail[id]));
  const row = 26, label = 70, width = 360;
  return svg("svg", { class: "bars", viewBox: `0 0 ${width} ${ids.length * row}`, width: "100%", role: "img", "aria-label": "行为统计" },
    ids.map((id, i) => {
      const n = counts.detail[id];
      const w = Math.max(2, ((width - label - 40) * n) / max);
      return svg("g", { transform: `translate(0 ${i * row})` },
        svg("text", { x: 0, y: 17 }, names[id]),
        svg("rect", { x: label, y: 5, width: w, height: 16, rx: 3 }),
        svg("text", { x: label + w + 6, y: 17, "data-action": id }, n));
    }));
}

function customerItem(c) {
  const details = Object.values(c.detail).map((d) => h("span", { class: "tag" }, `${d.name} ${d.count}`));
  return h("li", {},
    avatar(c.headimgurl),
    h("div", { class: "grow" },
      h("a", { href: `#/customer/${c.customer_id}` }, c.customer__username),
      h("span", { class: "muted" }, ` · ${c.totalCount} 次`),
      h("div", {}, details)));
}

export function live(on) {
  isLive = on;
  const el = document.getElementById("live");
  if (el) {
    el.textContent = on ? "● 实时" : "○ 重新连接中";
    el.classList.toggle("on", on);
  }
}

export function arrived(event) {
  if (!feed || seen.has(event.id)) return;
  seen.add(event.id);
  feed.querySelector(".empty")?.remove();
  feed.prepend(eventItem(event, true));
  if (counts) {
    counts.detail[event.action] = (counts.detail[event.action] || 0) + 1;
    chart.replaceChildren(bars());
  }
}

export async function render(view) {
  feed = h("ul", { class: "list", id: "feed" });
  seen = new Set();
  counts = null;
  chart = h("div", { id: "chart" }, h("p", { class: "muted" }, "加载中…"));
  const people = h("ul", { class: "list" });
  show(view, h("div", { class: "grid" },
    panel(null, h("h2", {}, "实时动态 ", h("span", { id: "live", class: "live" })), feed),
    h("div", {}, panel("近 7 天行为", chart), panel("活跃客户", people))));
  live(isLive);
  try {
    const [time, count, byCustomer] = await Promise.all([
      call("action/time", { length: 30 }),
      call("action/count"),
      call("action/customer", { length: 10 }),
    ]);
    // Events pushed while loading are already at the top; the list goes below them.
    for (const e of time.ret_data) {
      if (!seen.has(e.id)) { seen.add(e.id); feed.append(eventItem(e, false)); }
    }
    if (!feed.children.length) feed.append(h("li", { class: "muted empty" }, "还没有客户行为"));
    counts = { names: count[0].action, detail: count[0].detail };
    chart.replaceChildren(bars());
    people.replaceChildren(...byCustomer.map(customerItem));
    if (!byCustomer.length) people.append(h("li", { class: "muted" }, "暂无"));
  } catch (err) {
    view.prepend(errorLine(err));
  }
}
