// Customers: the address book, and one customer's details, tags, forecast, follow-ups and chat.

import { call, session } from "./api.js";
import { h, avatar, panel, show, errorLine, fields } from "./ui.js";

const ORDERS = { customer__expedted_pr: "按成交率", last_follow_time: "按跟进时间", last_activity_time: "按活跃时间" };

export async function list(view, order = "customer__expedted_pr") {
  const select = h("select", { "aria-label": "排序" },
    Object.entries(ORDERS).map(([value, text]) => h("option", { value, selected: value === order }, text)));
  select.addEventListener("change", () => list(view, select.value));
  const body = h("tbody");
  show(view, panel("客户通讯录", h("div", { class: "row" }, select),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "客户"), h("th", {}, "预计成交"),
      h("th", {}, "成交率"), h("th", { class: "hide-narrow" }, "最后跟进"), h("th", { class: "hide-narrow" }, "最后活跃"))), body)));
  try {
    const data = await call("tongxunlu", { order, length: 100 });
    for (const c of data.ret_data) {
      const row = h("tr", { class: "link" },
        h("td", {}, h("a", { href: `#/customer/${c.customer_id}` }, c.customer_username)),
        h("td", {}, c.expected_time || "—"),
        h("td", {}, `${c.expedted_pr}%`),
        h("td", { class: "hide-narrow" }, c.last_follow_time || c.follow_status),
        h("td", { class: "hide-narrow" }, c.last_activity_time || "—"));
      row.addEventListener("click", () => { location.hash = `#/customer/${c.customer_id}`; });
      body.append(row);
    }
    if (!data.ret_data.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "还没有客户")));
  } catch (err) {
    view.append(errorLine(err));
  }
}

/// Runs a part of the page; a failure shows the server's message in that part only.
async function part(section, load) {
  try { await load(); } catch (err) { section.append(errorLine(err)); }
}

export function detail(view, id) {
  const info = panel("客户资料");
  const tags = panel("标签");
  const follow = panel("跟进记录");
  const chat = panel("聊天");
  const events = panel("行为");
  show(view, h("p", {}, h("a", { href: "#/customers" }, "← 通讯录")),
    h("div", { class: "grid" }, h("div", {}, info, follow, chat), h("div", {}, tags, events)));
  part(info, () => renderInfo(info, id));
  part(tags, () => renderTags(tags, id));
  part(follow, () => renderFollow(follow, id));
  part(chat, () => renderChat(chat, id));
  part(events, () => renderEvents(events, id));
}

async function renderInfo(section, id) {
  const data = await call("customer", { customer_id: id });
  const c = data.ret_data[0];
  const line = (label, value) => value ? h("div", {}, h("span", { class: "muted" }, `${label}：`), value) : null;
  const forecast = h("form", { class: "row" },
    h("label", {}, "预计成交日期", h("input", { type: "date", name: "expected_time", value: c.expected_time || "" })),
    h("label", {}, "成交率 %", h("input", { type: "number", min: 0, max: 100, name: "expedted_pr", value: c.expedted_pr })),
    h("button", { type: "submit" }, "保存"));
  const note = h("span", { class: "muted" });
  forecast.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = fields(forecast);
    try {
      if (f.expected_time) await call(`customer/update_expected_time/${id}`, {}, { expected_time: f.expected_time });
      if (f.expedted_pr) await call(`customer/update_expected_pr/${id}`, {}, { expedted_pr: f.expedted_pr });
      note.textContent = "已保存";
    } catch (err) { note.textContent = err.message; }
  });
  section.append(...[h("div", { class: "row" }, avatar(c.headimgurl), h("strong", {}, c.memo_name || c.username)),
    line("电话", c.phone), line("邮箱", c.email), line("公司", c.company), line("职位", c.position),
    line("来源", c.source), line("归属", c.belonger), forecast, note].filter(Boolean));
}

async function renderTags(section, id) {
  const data = await call("tag_list", { customer_id: id });
  const form = h("form", {});
  for (const group of data.ret_data) {
    form.append(h("h3", {}, group.name), h("div", {}, group.tags.map((t) =>
      h("label", { class: "tag" }, h("input", { type: "checkbox", name: "tag", value: t.id, checked: t.is_select }), ` ${t.name}`))));
  }
  const note = h("span", { class: "muted" });
  form.append(h("p", {}, h("button", { type: "submit" }, "保存标签"), " ", note));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const chosen = [...form.querySelectorAll("input:checked")].map((i) => Number(i.value));
    try {
      await call(`tag_list/customer_tag/${id}`, {}, { tag_list: JSON.stringify(chosen) });
      note.textContent = "已保存";
    } catch (err) { note.textContent = err.message; }
  });
  section.append(form);
}

async function renderFollow(section, id) {
  const items = h("ul", { class: "list", id: "follow-list" });
  const form = h("form", { class: "row", id: "follow-form" },
    h("input", { name: "follow_info", placeholder: "写一条跟进记录", maxlength: 256, required: true, class: "grow" }),
    h("button", { type: "submit" }, "添加"));
  const load = async () => {
    const data = await call("follow_info", { customer_id: id, length: 50 });
    items.replaceChildren(...data.ret_data.map((f) => h("li", {}, h("div", { class: "grow" }, f.follow_info,
      h("div", { class: "muted" }, `${f.user_customer_flowup__user__username} · ${f.create_date.replace("T", " ").slice(0, 16)}`)))));
    if (!data.ret_data.length) items.append(h("li", { class: "muted" }, "还没有跟进记录"));
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call(`follow_info/add/${id}`, {}, fields(form));
      form.reset();
      await load();
    } catch (err) { section.append(errorLine(err)); }
  });
  section.append(form, items);
  await load();
}

async function renderChat(section, id) {
  const me = session.get();
  const box = h("div", { class: "chat" });
  const form = h("form", { class: "row" },
    h("input", { name: "msg", placeholder: "发消息给客户", required: true, class: "grow" }),
    h("button", { type: "submit" }, "发送"));
  const load = async () => {
    const items = (await call("chat", { customer_id: id, length: 50 })).sort((a, b) => a.dateTime.localeCompare(b.dateTime) || a.id - b.id);
    box.replaceChildren(...items.map((m) => h("div", { class: `bubble${m.user_id === me.user_id && m.send_type === 1 ? " mine" : ""}` },
      m.msg, h("div", { class: "muted" }, m.dateTime.replace("T", " ").slice(5, 16)))));
    box.scrollTop = box.scrollHeight;
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call("chat/send_msg/0", {}, { customer_id: id, msg: fields(form).msg });
      form.reset();
      await load();
    } catch (err) { section.append(errorLine(err)); }
  });
  section.append(box, form);
  await load();
}

async function renderEvents(section, id) {
  const rows = await call("action/customer", { length: 100 });
  const mine = rows.find((r) => String(r.customer_id) === String(id));
  if (!mine) return section.append(h("p", { class: "muted" }, "暂无行为"));
  section.append(h("p", {}, `共 ${mine.totalCount} 次`),
    h("div", {}, Object.values(mine.detail).map((d) => h("span", { class: "tag" }, `${d.name} ${d.count}`))));
}
