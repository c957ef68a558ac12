// DOM helpers: every text goes in through textContent, so nothing from the server is parsed as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, value);
  for (const child of children.flat()) el.append(child instanceof Node ? child : String(child));
  return el;
}

/// Images come as absolute URLs or as `statics/...` paths relative to the server's base;
/// the console lives under `/console/`, so a relative path is made site-absolute.
export function imageUrl(url) {
  if (!url) return "";
  return /^(https?:)?\//.test(url) ? url : "/" + url;
}

export function avatar(url) {
  const src = imageUrl(url);
  return src ? h("img", { class: "avatar", src, alt: "" }) : h("span", { class: "avatar" });
}

export function panel(title, ...children) {
  return h("section", { class: "panel" }, title ? h("h2", {}, title) : null, ...children);
}

export function show(view, ...children) {
  view.replaceChildren(...children);
}

export function errorLine(err) {
  return h("p", { class: "error" }, err.message || String(err));
}

/// Form fields by name, trimmed; empty ones left out.
export function fields(form) {
  const out = {};
  for (const [key, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim() !== "") out[key] = value.trim();
  }
  return out;
}
