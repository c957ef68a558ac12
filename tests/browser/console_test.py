"""The console in a real browser: sign in, watch a card view made through the mini-program
API arrive in the radar feed without a reload, add a follow-up, open the public card page,
sign out. Usage: console_test.py BASE_URL DEVTOOLS_PORT SCREENSHOT_DIR"""

import hashlib
import json
import os
import sys
import time
import urllib.parse
import urllib.request

from cdp import first_page

BASE, PORT, SHOTS = sys.argv[1], int(sys.argv[2]), sys.argv[3]
USERNAME, PASSWORD = "boss", "leida-demo"


def api(path, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(BASE + path, data=body, timeout=10) as r:
        return json.load(r)


def signed(user_id, token):
    ts = str(int(time.time() * 1000))
    rand = hashlib.md5((ts + token).encode()).hexdigest()
    return f"user_id={user_id}&timestamp={ts}&rand_str={rand}"


def step(text):
    print(f"  · {text}", flush=True)


page = first_page(PORT)
page.send("Page.enable")
page.size(1280, 860, False)
# Every Content-Security-Policy violation of a page is kept, to be asserted absent.
page.send("Page.addScriptToEvaluateOnNewDocument", source="""window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));""")


def no_csp_violations(where):
    seen = page.js("window.cspViolations")
    assert seen == [], f"{where}: the page broke its Content-Security-Policy: {seen}"

step("the sign-in page refuses a wrong password with the server's message")
page.goto(BASE + "/console/")
page.wait("!!document.querySelector('#login')", "the sign-in form")
page.js(f"""(() => {{ const f = document.querySelector('#login');
  f.username.value = {json.dumps(USERNAME)}; f.password.value = 'wrong-password';
  f.requestSubmit(); }})()""")
page.wait("document.querySelector('#login-error').textContent.includes('账号或密码错误')", "the refusal")

step("signs in and sees the radar feed live")
page.js(f"""(() => {{ const f = document.querySelector('#login');
  f.password.value = {json.dumps(PASSWORD)}; f.requestSubmit(); }})()""")
page.wait("document.querySelectorAll('#feed li[data-id]').length > 0", "the demo feed")
page.wait("document.querySelector('#live')?.classList.contains('on')", "the live stream")
assert page.js("import('/console/md5.js').then(m => m.md5('abc'))") == "900150983cd24fb0d6963f7d28e17f72"
size = page.js("""[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
  .filter(e => e.name.includes('/console/')).reduce((n, e) => n + e.transferSize, 0)""")
step(f"first load of the console: {size / 1024:.1f} KB over the wire")
assert size < 100 * 1024, size

step("a card view made through the mini-program API appears without a reload")
boss = api("/zhugeleida/admin/login", {"username": USERNAME, "password": PASSWORD})["data"]
customer = api("/zhugeleida/xiaochengxu/login?code=browser-test&user_type=2&source=1")["data"]
page.js("window.notReloaded = true")
before = page.js("document.querySelectorAll('#feed li[data-id]').length")
started = time.time()
view = api(f"/zhugeleida/xiaochengxu/mingpian?uid={boss['user_id']}&{signed(customer['cid'], customer['token'])}")
assert view["code"] == 200, view
page.wait("document.querySelector('#feed li[data-id]').textContent.includes('首次查看您的名片')", "the pushed event", 5)
arrived = time.time() - started
assert page.js("window.notReloaded === true"), "the page was reloaded"
assert page.js("document.querySelectorAll('#feed li[data-id]').length") == before + 1
step(f"arrived {arrived * 1000:.0f} ms after the request")
page.js("document.activeElement.blur()")
page.screenshot(os.path.join(SHOTS, "console-radar.png"))

step("adds a follow-up to a customer")
book = api(f"/zhugeleida/qiyeweixin/tongxunlu?{signed(boss['user_id'], boss['token'])}")
if book["code"] == 200:
    cid = book["data"]["ret_data"][0]["customer_id"]
    page.js(f"location.hash = '#/customer/{cid}'")
    page.wait("!!document.querySelector('#follow-form')", "the follow-up form")
    note = f"浏览器测试跟进 {int(time.time())}"
    page.js(f"""(() => {{ const f = document.querySelector('#follow-form');
      f.follow_info.value = {json.dumps(note)}; f.requestSubmit(); }})()""")
    page.wait(f"document.querySelector('#follow-list').textContent.includes({json.dumps(note)})", "the new follow-up")
    page.screenshot(os.path.join(SHOTS, "console-customer.png"))
else:
    step(f"skipped: this build has no address book yet ({book['msg']})")

step("my card: its QR code is drawn and loads")
page.js("location.hash = '#/card'")
page.wait("[...document.querySelectorAll('button')].some(b => b.textContent.includes('二维码'))", "the QR button")
page.js("[...document.querySelectorAll('button')].find(b => b.textContent.includes('二维码')).click()")
page.wait("document.querySelector('img.qr')?.complete && document.querySelector('img.qr').naturalWidth > 0", "the QR image")

step("my card: the poster is drawn and offered for download")
page.js("[...document.querySelectorAll('button')].find(b => b.textContent.includes('海报')).click()")
page.wait("!!document.querySelector('a[download=\"mingpian-poster.png\"]')", "the poster link")
poster_url = page.js("document.querySelector('a[download=\"mingpian-poster.png\"]').href")
with urllib.request.urlopen(poster_url) as answer:
    assert answer.read(8) == b"\x89PNG\r\n\x1a\n", "the poster is a PNG"

step("company settings: WeChat credentials, the secret write-only")
page.js("location.hash = '#/admin/company'")
page.wait("!!document.querySelector('input[name=mp_appid]')", "the credentials form")
page.js("""(() => { const f = document.querySelector('input[name=mp_appid]').form;
  f.mp_appid.value = 'wx-console-test'; f.mp_secret.value = 'console-secret'; f.requestSubmit(); })()""")
page.wait("[...document.querySelectorAll('span.muted')].some(s => s.textContent === '已保存')", "saved")
shown = api(f"/zhugeleida/qiyeweixin/company/credentials?{signed(boss['user_id'], boss['token'])}")
assert shown["data"]["mp_appid"] == "wx-console-test" and shown["data"]["mp_secret_set"] is True, shown
assert "console-secret" not in json.dumps(shown)

step("company settings: the company's data downloads as a zip")
page.js("[...document.querySelectorAll('button')].find(b => b.textContent === '导出本公司数据').click()")
page.wait("!!document.querySelector('a[download^=\"leida-company-\"]')", "the download link")
export_url = f"{BASE}/zhugeleida/admin/company/export?{signed(boss['user_id'], boss['token'])}"
with urllib.request.urlopen(export_url) as answer:
    assert answer.headers["Content-Type"] == "application/zip", answer.headers
    assert answer.read(2) == b"PK", "the export is a zip archive"
step("refunds: the demo request shows its state, amount and reason; refusing it is recorded")
page.js("location.hash = '#/admin/refunds'")
page.wait("document.querySelector('span.refund.requested')?.textContent === '待处理'", "the pending request")
row = page.js("document.querySelector('span.refund').closest('tr').textContent")
assert "¥980.00" in row and "年卡买重复了" in row, row
page.js("[...document.querySelectorAll('button')].find(b => b.textContent === '拒绝').click()")
page.wait("document.querySelector('span.refund')?.textContent === '已拒绝'", "the refusal")
refunds = api(f"/zhugeleida/xiaochengxu/tuiKuanDingDanShow?{signed(boss['user_id'], boss['token'])}")
assert refunds["data"]["otherData"][0]["tuiKuanStatus"] == "refused", refunds
page.screenshot(os.path.join(SHOTS, "console-refunds.png"))

step("administration lists the staff")
page.js("location.hash = '#/admin/users'")
page.wait("document.querySelectorAll('tbody tr').length >= 4", "the demo staff")

no_csp_violations("the console")
assert "frame-ancestors 'none'" in urllib.request.urlopen(BASE + "/console/").headers["Content-Security-Policy"]

step("opens the public card page at phone and laptop widths")
page.goto(f"{BASE}/mp/mingpian?uid={boss['user_id']}&source=1")
assert page.js("document.querySelector('h1').textContent") == "刘总"
assert page.js("!!document.querySelector('a[href^=\"tel:\"]')")
page.screenshot(os.path.join(SHOTS, "card-laptop.png"))
page.size(390, 844, True)
page.goto(f"{BASE}/mp/mingpian?uid={boss['user_id']}&source=1")
page.wait("document.readyState === 'complete'", "the card page at phone width")
overflow = page.js("[document.documentElement.scrollWidth, window.innerWidth, "
                   "Math.round(document.querySelector('.card').getBoundingClientRect().right)]")
assert overflow[0] <= overflow[1] and overflow[2] <= overflow[1], f"the card overflows a 390 px phone: {overflow}"
page.screenshot(os.path.join(SHOTS, "card-phone.png"))

step("the radar at phone width, then signing out forgets the token")
page.goto(BASE + "/console/#/radar")
page.wait("document.querySelectorAll('#feed li[data-id]').length > 0", "the feed on a phone")
page.screenshot(os.path.join(SHOTS, "console-radar-phone.png"))
page.js("document.querySelector('#signout').click()")
page.wait("!!document.querySelector('#login')", "the sign-in page after signing out")
assert page.js("localStorage.length") == 0, "the token is forgotten"

step("a token the server refuses lands back on the sign-in page with its message")
page.js(f"""(() => {{ const f = document.querySelector('#login');
  f.username.value = {json.dumps(USERNAME)}; f.password.value = {json.dumps(PASSWORD)}; f.requestSubmit(); }})()""")
page.wait("document.querySelectorAll('#feed li[data-id]').length > 0", "signed in again")
page.js("localStorage.setItem('leida.console.session', JSON.stringify({...JSON.parse(localStorage.getItem('leida.console.session')), token: 'stale'}))")
page.js("location.hash = '#/card'")
page.wait("document.querySelector('#login-error')?.textContent === 'token异常'", "the sign-in page with 'token异常'")
no_csp_violations("the console on a phone")

step("the API docs render under their Content-Security-Policy")
page.goto(BASE + "/docs")
page.wait("document.querySelectorAll('#ops details').length > 50", "the operations")
assert page.js("getComputedStyle(document.querySelector('header')).backgroundColor") == "rgb(31, 58, 95)"
no_csp_violations("the docs")
print("browser test passed", flush=True)
