// Administration, for roles that hold the permission (the server checks; a refusal shows its
// message): staff, roles, products with pictures, the company and its pay merchant, refunds.

import { call, callShop, upload, signature } from "./api.js";
import { h, panel, show, errorLine, fields, imageUrl } from "./ui.js";

const PARTS = { users: "员工", roles: "角色", products: "产品", refunds: "退款", company: "公司设置" };

export function render(view, part = "users") {
  if (!PARTS[part]) part = "users";
  const tabs = h("p", {}, Object.entries(PARTS).map(([key, name]) =>
    h("a", { href: `#/admin/${key}`, class: key === part ? "tag current" : "tag" }, name)));
  const body = panel(PARTS[part]);
  show(view, tabs, body);
  const load = { users, roles, products, refunds, company }[part];
  load(body).catch((err) => body.append(errorLine(err)));
}

function table(headers, rows) {
  return h("table", {}, h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c ?? ""))))));
}

/// A form that posts its fields to `path`, then reloads the part.
function postForm(section, path, controls, reload, prepare = (f) => f) {
  const note = h("span", { class: "muted" });
  const form = h("form", { class: "row" }, controls, h("button", { type: "submit" }, "添加"), note);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call(path, {}, await prepare(fields(form)));
      section.replaceChildren(section.firstChild);
      await reload(section);
    } catch (err) { note.textContent = err.message; }
  });
  return form;
}

async function users(section) {
  const [data, roleList] = await Promise.all([call("user", { length: 100 }), call("role", { length: 100 })]);
  section.append(table(["账号", "名片姓名", "角色", "状态", "最近登录"],
    data.ret_data.map((u) => [u.username, u.name, u.role_name, u.status, (u.last_login_date || "").replace("T", " ").slice(0, 16)])));
  section.append(h("h3", {}, "添加员工"), postForm(section, "user/add/0", [
    h("input", { name: "username", placeholder: "账号", required: true }),
    h("input", { name: "password", type: "password", placeholder: "初始密码 (至少 6 位)", required: true }),
    h("select", { name: "role_id" }, roleList.ret_data.map((r) => h("option", { value: r.id }, r.name))),
  ], users));
}

async function roles(section) {
  const data = await call("role", { length: 100 });
  section.append(table(["角色", "员工数", "创建时间"],
    data.ret_data.map((r) => [r.name, r.user_count ?? "", (r.create_date || "").slice(0, 10)])));
  section.append(h("h3", {}, "添加角色"), postForm(section, "role/add/0",
    [h("input", { name: "name", placeholder: "角色名称", required: true })], roles));
}

async function products(section) {
  const data = await call("product/product_list", { length: 100 });
  const cover = (p) => {
    const pic = (p.content?.cover_data || []).find((b) => b.type === "picture_url");
    return pic ? h("img", { src: imageUrl(pic.data[0]), alt: "", class: "avatar" }) : "";
  };
  section.append(table(["", "产品", "价格", "状态"],
    data.ret_data.map((p) => [cover(p), p.name, p.price, p.status_text ?? p.status])));
  const file = h("input", { type: "file", accept: "image/png,image/jpeg", "aria-label": "产品图片" });
  section.append(h("h3", {}, "添加产品"), postForm(section, "product/add/0", [
    h("input", { name: "name", placeholder: "产品名称", required: true }),
    h("input", { name: "price", placeholder: "价格" }),
    h("input", { name: "reason", placeholder: "推荐理由" }),
    file,
  ], products, async (f) => {
    if (file.files[0]) {
      const url = await upload(file.files[0]);
      f.content = JSON.stringify({ cover_data: [{ type: "picture_url", data: [url] }], article_data: [] });
    }
    return f;
  }));
}

/// The shop's refunds: state, amount, reason; a customer's request is approved or refused here.
async function refunds(section) {
  const data = await callShop("tuiKuanDingDanShow", { length: 100 });
  const decide = (r) => {
    if (r.tuiKuanStatus !== "requested") return "";
    const act = (status, label) => {
      const b = h("button", { type: "button", class: "plain" }, label);
      b.addEventListener("click", async () => {
        try { await callShop(`tuiKuanDingDanOper/updateStatus/${r.id}`, {}, { status }); section.replaceChildren(section.firstChild); await refunds(section); }
        catch (err) { b.textContent = err.message; }
      });
      return b;
    };
    return h("span", {}, act(2, "同意退款"), " ", act(5, "拒绝"));
  };
  section.append(table(["退款单号", "订单号", "商品", "金额", "原因", "状态", "失败原因", "申请时间", ""],
    data.otherData.map((r) => [r.tuikuandanhao, r.orderNumber, r.goodsName, `¥${r.tuikuanjine}`,
      [r.tuiKuanYuanYin, r.remark].filter(Boolean).join(": "), h("span", { class: `refund ${r.tuiKuanStatus}` }, r.tuiKuanStatusName),
      r.failReason, (r.shengChengDateTime || "").replace("T", " ").slice(0, 16), decide(r)])));
  if (data.objsCount === 0) section.append(h("p", { class: "muted" }, "还没有退款"));
}

async function company(section) {
  const data = await call("company", { length: 50 });
  const own = data.ret_data[0];
  section.append(table(["公司", "地区", "地址", "到期"],
    data.ret_data.map((c) => [c.name, c.area, c.address, c.account_expired_time || "—"])));
  if (own) {
    const note = h("span", { class: "muted" });
    const form = h("form", { class: "stack" },
      h("h3", {}, "公司资料"),
      h("label", {}, "名称", h("input", { name: "name", value: own.name })),
      h("label", {}, "地区", h("input", { name: "area", value: own.area })),
      h("label", {}, "地址", h("input", { name: "address", value: own.address })),
      h("p", {}, h("button", { type: "submit" }, "保存"), " ", note));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try { await call(`company/update/${own.id}`, {}, fields(form)); note.textContent = "已保存"; }
      catch (err) { note.textContent = err.message; }
    });
    section.append(form);
  }
  // The merchant key is write-only: the form starts empty and an empty field keeps the stored key.
  const payNote = h("span", { class: "muted" });
  const pay = h("form", { class: "stack" },
    h("h3", {}, "微信支付商户"),
    h("label", {}, "商户号", h("input", { name: "shangHuHao", autocomplete: "off" })),
    h("label", {}, "商户密钥 (只写, 留空则不变)", h("input", { name: "shangHuMiYao", type: "password", autocomplete: "new-password" })),
    h("label", {}, "接口版本", h("select", { name: "pay_api_version" }, h("option", { value: "" }, "不变"), h("option", { value: "v2" }, "v2"), h("option", { value: "v3" }, "v3"))),
    h("label", {}, "APIv3 密钥 (只写)", h("input", { name: "pay_apiv3_key", type: "password", autocomplete: "new-password" })),
    h("label", {}, "商户 API 私钥 apiclient_key.pem (只写)", h("textarea", { name: "pay_private_key", rows: 3 })),
    h("label", {}, "商户证书序列号", h("input", { name: "pay_serial_no", autocomplete: "off" })),
    h("label", {}, "微信支付公钥 pub_key.pem", h("textarea", { name: "pay_public_key", rows: 3 })),
    h("label", {}, "微信支付公钥 ID", h("input", { name: "pay_public_key_id", autocomplete: "off" })),
    h("label", {}, "v2 退款: 客户端证书 apiclient_cert.pem", h("textarea", { name: "pay_cert", rows: 3 })),
    h("label", {}, "v2 退款: 证书私钥 (只写)", h("textarea", { name: "pay_cert_key", rows: 3 })),
    h("p", {}, h("button", { type: "submit" }, "保存"), " ", payNote));
  pay.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await fetchShop(fields(pay));
      pay.reset();
      payNote.textContent = "已保存";
    } catch (err) { payNote.textContent = err.message; }
  });
  section.append(pay, await credentials(), exportForm());
}

/// The company's data as one zip (issue 17): a signed GET whose answer is the file itself,
/// offered as a download link; a refusal is the usual envelope.
function exportForm() {
  const note = h("span", { class: "muted" });
  const button = h("button", { type: "button" }, "导出本公司数据");
  button.addEventListener("click", async () => {
    note.textContent = "正在打包…";
    try {
      const response = await fetch(`/zhugeleida/admin/company/export?${signature()}`);
      if (!(response.headers.get("Content-Type") || "").includes("zip")) {
        const json = await response.json();
        throw new Error(json.msg);
      }
      const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || "leida-company.zip";
      const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name }, `下载 ${name}`);
      note.replaceChildren(link);
      link.click();
    } catch (err) { note.textContent = err.message; }
  });
  return h("div", { class: "stack" },
    h("h3", {}, "导出本公司数据"),
    h("p", { class: "muted" }, "zip 文件: 每张表一个 JSON lines 文件, 以及记录引用的图片、二维码和海报; 不含密码和密钥, 不含下级公司."),
    h("p", {}, button, " ", note));
}

/// The company's own mini-program and Work WeChat: secrets are write-only, an empty field keeps them.
async function credentials() {
  const current = await call("company/credentials");
  const note = h("span", { class: "muted" });
  const text = (label, name) => h("label", {}, label, h("input", { name, value: current[name] || "", autocomplete: "off" }));
  const secret = (label, name) => h("label", {}, `${label} (${current[`${name}_set`] ? "已设置" : "未设置"}, 只写, 留空则不变)`,
    h("input", { name, type: "password", autocomplete: "new-password" }));
  const form = h("form", { class: "stack" },
    h("h3", {}, "小程序与企业微信"),
    text("小程序 AppID", "mp_appid"), secret("小程序 AppSecret", "mp_secret"),
    text("模板消息 ID", "mp_template_id"), text("订阅消息模板 ID", "mp_subscribe_template_id"),
    text("企业微信 CorpID", "work_corp_id"), secret("企业微信应用 Secret", "work_secret"),
    text("企业微信应用 AgentID", "work_agent_id"),
    h("p", {}, h("button", { type: "submit" }, "保存"), " ", note));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await call("company/credentials", {}, fields(form)); note.textContent = "已保存"; }
    catch (err) { note.textContent = err.message; }
  });
  return form;
}

/// The shop settings live under the mini-program prefix; the employee's signature is accepted there.
async function fetchShop(body) {
  const response = await fetch(`/zhugeleida/xiaochengxu/jiChuSheZhiOper/addOrUpdate?${signature()}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body),
  });
  const json = await response.json();
  if (json.code !== 200) throw new Error(json.msg);
}
