// The console: sign-in, a hash router over the pages, the tab's one radar stream.

import { session, signIn, whenSignedOut, openStream, closeStream } from "./api.js";
import { h, show } from "./ui.js";
import * as radar from "./radar.js";
import * as customers from "./customers.js";
import * as card from "./card.js";
import * as admin from "./admin.js";
import * as setup from "./setup.js";

const view = document.getElementById("view");
const top = document.getElementById("top");
const badge = document.getElementById("badge");
let unseen = 0;
let page = null;

const pages = {
  radar: () => radar.render(view),
  customers: () => customers.list(view),
  customer: (id) => customers.detail(view, id),
  card: () => card.render(view),
  admin: (part) => admin.render(view, part),
};

function signInPage(message) {
  closeStream();
  top.hidden = true;
  const error = h("p", { class: "error", id: "login-error" }, message || "");
  const form = h("form", { class: "stack", id: "login" },
    h("label", {}, "账号", h("input", { name: "username", autocomplete: "username", required: true })),
    h("label", {}, "密码", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit" }, "登录"),
    error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      await signIn(data.get("username"), data.get("password"));
      location.hash = "#/radar";
      start();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  show(view, h("section", { class: "panel login" }, h("h2", {}, "雷达控制台 · 登录"), form));
}

function signOut(message) {
  session.forget();
  signInPage(message);
}

whenSignedOut((msg) => signOut(msg));
document.getElementById("signout").addEventListener("click", () => signOut("已退出"));

function route() {
  if (!session.get()) return signInPage();
  const [name, arg] = location.hash.replace(/^#\/?/, "").split("/");
  page = pages[name] ? name : "radar";
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("on", a.dataset.page === page || (page === "customer" && a.dataset.page === "customers"));
  }
  if (page === "radar") { unseen = 0; badge.hidden = true; }
  pages[page](arg);
}

function onRadarEvent(event) {
  if (page === "radar") radar.arrived(event);
  else {
    unseen += 1;
    badge.textContent = unseen;
    badge.hidden = false;
  }
}

function start() {
  const me = session.get();
  top.hidden = false;
  document.getElementById("who").textContent = `${me.company_name} · ${me.role_name || ""}`;
  openStream(onRadarEvent, radar.live);
  route();
}

/// `#/setup?token=...`, the link a fresh server prints: shown signed in or not.
function setupToken() {
  const match = location.hash.match(/^#\/setup\?(.*)$/);
  return match ? new URLSearchParams(match[1]).get("token") || "" : null;
}

function setupPage(token) {
  closeStream();
  top.hidden = true;
  setup.render(view, token, () => {
    history.replaceState(null, "", "#/radar"); // the used token leaves the address bar
    start();
  });
}

window.addEventListener("hashchange", () => {
  const token = setupToken();
  if (token !== null) setupPage(token);
  else if (session.get()) route();
});
const token = setupToken();
if (token !== null) setupPage(token);
else if (session.get()) start();
else signInPage();
