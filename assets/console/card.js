// My card: what customers see, edited here; its QR code and the public page it opens.

import { call, upload } from "./api.js";
import { h, panel, show, errorLine, fields, imageUrl } from "./ui.js";

export async function render(view) {
  const edit = panel("我的名片");
  const share = panel("二维码与分享");
  show(view, h("div", { class: "grid" }, edit, share));
  try {
    const data = await call("mingpian");
    const card = data.ret_data ? data.ret_data[0] : data;
    renderForm(edit, card);
    renderShare(share, card);
  } catch (err) {
    edit.append(errorLine(err));
  }
}

function input(label, name, value, attrs = {}) {
  return h("label", {}, label, h("input", { name, value: value ?? "", ...attrs }));
}

function renderForm(section, card) {
  const picture = h("img", { class: "avatar", src: imageUrl(card.mingpian_avatar || card.avatar), alt: "" });
  const avatarField = h("input", { type: "hidden", name: "avatar" });
  const file = h("input", { type: "file", accept: "image/png,image/jpeg" });
  const note = h("span", { class: "muted" });
  file.addEventListener("change", async () => {
    try {
      avatarField.value = await upload(file.files[0]);
      picture.src = imageUrl(avatarField.value);
    } catch (err) { note.textContent = err.message; }
  });
  const form = h("form", { class: "stack" },
    h("div", { class: "row" }, picture, h("label", {}, "更换头像", file)), avatarField,
    input("名片姓名", "username", card.username, { maxlength: 32 }),
    input("职位", "position", card.position, { maxlength: 64 }),
    input("手机", "mingpian_phone", card.mingpian_phone, { inputmode: "tel" }),
    h("label", {}, h("span", {}, h("input", { type: "checkbox", name: "is_show_phone", value: "1", checked: card.is_show_phone !== false && card.is_show_phone !== 0 }), " 向客户显示手机")),
    input("微信", "wechat", card.wechat, { maxlength: 64 }),
    input("邮箱", "email", card.email, { type: "email", maxlength: 128 }),
    h("label", {}, "个性签名", h("textarea", { name: "sign", maxlength: 256, rows: 2 }, card.sign || "")),
    h("p", {}, h("button", { type: "submit" }, "保存"), " ", note));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = fields(form);
    body.is_show_phone = form.elements.is_show_phone.checked ? "1" : "0";
    try {
      await call("mingpian", {}, body);
      note.textContent = "已保存";
    } catch (err) { note.textContent = err.message; }
  });
  section.append(form);
}

function renderShare(section, card) {
  const publicPage = `/mp/mingpian?uid=${card.id}&source=1`;
  const qr = h("div", {}, h("p", { class: "muted" }, "客户扫码即可查看名片。"));
  const showQr = (url) => qr.replaceChildren(h("img", { class: "qr", src: imageUrl(url), alt: "名片二维码" }),
    h("p", {}, h("a", { href: imageUrl(url), download: "mingpian-qr.png" }, "下载二维码")));
  if (card.qr_code) showQr(card.qr_code);
  const make = h("button", { type: "button" }, card.qr_code ? "重新生成二维码" : "生成二维码");
  make.addEventListener("click", async () => {
    try {
      showQr((await call("qr_code_auth", {}, {})).qr_code);
    } catch (err) { qr.append(errorLine(err)); }
  });
  const poster = h("p", {});
  const drawPoster = h("button", { type: "button" }, "生成名片海报");
  drawPoster.addEventListener("click", async () => {
    try {
      const url = (await call("mingpian/poster")).poster_url;
      poster.replaceChildren(h("a", { href: imageUrl(url), download: "mingpian-poster.png" }, "下载名片海报"));
    } catch (err) { poster.replaceChildren(errorLine(err)); }
  });
  section.append(qr, make, h("h3", {}, "名片海报"), drawPoster, poster,
    h("h3", {}, "公开名片页"),
    h("p", {}, h("a", { href: publicPage, target: "_blank", rel: "noopener", id: "public-card" }, "打开公开名片页"),
      " · ", h("a", { href: `/mp/mingpian.vcf?uid=${card.id}` }, "下载 vCard")),
    h("p", { class: "muted" }, `人气 ${card.popularity_num ?? 0} · 靠谱 ${card.praise_num ?? 0} · 转发 ${card.forward_num ?? 0}`));
}
