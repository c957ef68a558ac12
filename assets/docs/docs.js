// Renders /openapi.json: one section per tag, one collapsible entry per operation.
"use strict";

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
};

const typeOf = (schema = {}) =>
  schema.format ? `${schema.type} (${schema.format})` : schema.type || "";

function paramRows(op, doc) {
  const rows = [];
  for (let p of op.parameters || []) {
    if (p.$ref) p = doc.components.parameters[p.$ref.split("/").pop()];
    rows.push([p.name, p.in, typeOf(p.schema), p.required, p.example ?? ""]);
  }
  const content = op.requestBody?.content || {};
  const [type, media] = Object.entries(content)[0] || [];
  const required = new Set(media?.schema?.required || []);
  for (const [name, s] of Object.entries(media?.schema?.properties || {})) {
    rows.push([name, type, typeOf(s), required.has(name), s.example ?? ""]);
  }
  if (type === "text/xml") rows.push(["(body)", type, "string", true, ""]);
  return rows;
}

function entry(path, method, op, doc) {
  const rows = paramRows(op, doc);
  const table = el("table", {},
    el("tr", {}, el("th", {}, "参数"), el("th", {}, "位置"), el("th", {}, "类型"), el("th", {}, "例子")));
  for (const [name, where, type, required, example] of rows) {
    const n = el("td", {}, el("code", {}, name));
    if (required) n.append(el("span", { class: "req" }, " *"));
    table.append(el("tr", {}, n, el("td", {}, where), el("td", {}, type), el("td", {}, el("code", {}, String(example)))));
  }
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  if (op.requestBody) body.append(el("p", {}, "请求体: " + Object.keys(op.requestBody.content).join(" 或 ")));
  body.append(rows.length ? table : el("p", {}, "无参数"));
  const ref = op.responses?.["200"]?.content?.["application/json"]?.schema?.$ref;
  if (ref) body.append(el("p", {}, "回答: " + ref.split("/").pop() + " — " +
    (doc.components.schemas[ref.split("/").pop()].properties.code.description)));
  const upper = method.toUpperCase();
  return el("details", { "data-search": `${upper} ${path} ${op.summary}`.toLowerCase() },
    el("summary", {}, el("span", { class: `method ${upper}` }, upper), path,
      el("span", { class: "text" }, op.summary || "")),
    body);
}

async function main() {
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("intro").textContent = doc.info.description;
  const ops = document.getElementById("ops");
  let count = 0;
  for (const tag of doc.tags) {
    const section = el("section", {}, el("h2", {}, `${tag.name} — ${tag.description}`));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (op.tags.includes(tag.name)) { section.append(entry(path, method, op, doc)); count++; }
      }
    }
    ops.append(section);
  }
  document.title = `Leida API (${count})`;
  document.getElementById("filter").addEventListener("input", (e) => {
    const q = e.target.value.trim().toLowerCase();
    for (const d of ops.querySelectorAll("details")) d.hidden = q !== "" && !d.dataset.search.includes(q);
    for (const s of ops.querySelectorAll("section")) s.hidden = !s.querySelector("details:not([hidden])");
  });
}

main().catch((e) => { document.getElementById("intro").textContent = "无法读取 /openapi.json: " + e; });
