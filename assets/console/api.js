// Signed calls to /zhugeleida/qiyeweixin/ (SPEC §4): user_id, timestamp (ms) and
// rand_str = md5(timestamp + token) in the query, exactly as the mini-program signs them.

import { md5 } from "./md5.js";

const KEY = "leida.console.session";
const BASE = "/zhugeleida/qiyeweixin/";

export class ApiError extends Error {
  constructor(code, msg) {
    super(msg || `错误 ${code}`);
    this.code = code;
  }
}

export const session = {
  get() {
    try { return JSON.parse(localStorage.getItem(KEY)); } catch { return null; }
  },
  set(data) { localStorage.setItem(KEY, JSON.stringify(data)); },
  forget() { localStorage.removeItem(KEY); },
};

/// Called when the server says the session is over (bad token, disabled, expired).
let onSignedOut = () => {};
export function whenSignedOut(handler) { onSignedOut = handler; }

export function signature() {
  const me = session.get();
  if (!me) throw new ApiError(400, "请先登录");
  const timestamp = Date.now();
  return new URLSearchParams({ user_id: me.user_id, timestamp, rand_str: md5(`${timestamp}${me.token}`) });
}

function endsSession(code, msg) {
  return code === 400 || code === 306 || (code === 403 && msg === "账户过期");
}

async function envelope(response) {
  let json;
  try { json = await response.json(); } catch { throw new ApiError(500, `服务器错误 (HTTP ${response.status})`); }
  if (json.code !== 200) {
    if (endsSession(json.code, json.msg)) onSignedOut(json.msg);
    throw new ApiError(json.code, json.msg);
  }
  return json.data;
}

/// GET with `query`, or POST a form when `body` is given.
export async function call(path, query = {}, body = null) {
  return signedCall(BASE, path, query, body);
}

/// The shop's endpoints live under the mini-program prefix; an employee's signature works there.
export async function callShop(path, query = {}, body = null) {
  return signedCall("/zhugeleida/xiaochengxu/", path, query, body);
}

async function signedCall(base, path, query, body) {
  const params = signature();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, v);
  const init = body === null ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body),
  };
  return envelope(await fetch(`${base}${path}?${params}`, init));
}

export async function upload(file) {
  const form = new FormData();
  form.append("file", file);
  const data = await envelope(await fetch(`${BASE}upload?${signature()}`, { method: "POST", body: form }));
  return data.picture_url;
}

/// The first-run setup link: whether it still works, and using it (signs the owner in).
export async function setupValid(token) {
  const json = await (await fetch(`/zhugeleida/admin/setup?${new URLSearchParams({ token })}`)).json();
  return json.code === 200 && json.data.valid === true;
}

export async function setUp(fields) {
  const response = await fetch("/zhugeleida/admin/setup", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  const json = await response.json();
  if (json.code !== 200) throw new ApiError(json.code, json.msg);
  session.set(json.data);
  return json.data;
}

export async function signIn(username, password) {
  const response = await fetch("/zhugeleida/admin/login", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }),
  });
  const json = await response.json();
  if (json.code !== 200) throw new ApiError(json.code, json.msg);
  session.set(json.data);
  return json.data;
}

/// The tab's one radar stream. EventSource would reconnect with the same (aging) signature,
/// so on an error it is closed and a freshly signed one opened a little later.
let source = null;
let retry = null;
export function openStream(onEvent, onState) {
  closeStream();
  source = new EventSource(`${BASE}action/stream?${signature()}`);
  source.onopen = () => onState(true);
  source.onmessage = (e) => onEvent(JSON.parse(e.data));
  source.onerror = () => {
    onState(false);
    closeStream();
    reconnect(onEvent, onState);
  };
}

function reconnect(onEvent, onState) {
  retry = setTimeout(async () => {
    try {
      // A signed call first: when the session itself is over, it signs out instead.
      await call("action/count");
      openStream(onEvent, onState);
    } catch {
      if (session.get()) reconnect(onEvent, onState);
    }
  }, 3000);
}

export function closeStream() {
  clearTimeout(retry);
  if (source) source.close();
  source = null;
}
