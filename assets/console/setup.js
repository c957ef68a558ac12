// The first run: the owner opens the link the server printed and creates the first
// administrator and company; then they are signed in like after a login.

import { setupValid, setUp } from "./api.js";
import { h, show } from "./ui.js";

export async function render(view, token, done) {
  if (!token || !(await setupValid(token))) {
    show(view, h("section", { class: "panel login", id: "setup-used" },
      h("h2", {}, "首次设置"),
      h("p", {}, "此设置链接无效或已使用. 已有管理员时请直接登录."),
      h("a", { href: "#/radar" }, "去登录")));
    return;
  }
  const error = h("p", { class: "error", id: "setup-error" });
  const form = h("form", { class: "stack", id: "setup" },
    h("label", {}, "公司名称", h("input", { name: "company", required: true, maxlength: 64 })),
    h("label", {}, "管理员账号", h("input", { name: "username", autocomplete: "username", required: true, maxlength: 64 })),
    h("label", {}, "密码 (至少 6 位)", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 6 })),
    h("button", { type: "submit" }, "创建并登录"),
    error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      await setUp({ token, company: data.get("company"), username: data.get("username"), password: data.get("password") });
      done();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  show(view, h("section", { class: "panel login" },
    h("h2", {}, "雷达控制台 · 首次设置"),
    h("p", {}, "创建第一个管理员和公司. 此链接只能使用一次."),
    form));
}
