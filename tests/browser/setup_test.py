"""The first run in a real browser: the setup link a fresh server printed creates the first
administrator and company and signs them in; opened again, it says it is used.
Usage: setup_test.py BASE_URL DEVTOOLS_PORT SETUP_LINK SCREENSHOT_DIR"""

import json
import os
import sys

from cdp import first_page

BASE, PORT, LINK, SHOTS = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def step(text):
    print(f"  · {text}", flush=True)


page = first_page(PORT)
page.send("Page.enable")
page.size(1280, 860, False)
page.send("Page.addScriptToEvaluateOnNewDocument", source="""window.cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));""")

step("the printed setup link opens the first-run form")
assert LINK.startswith(BASE + "/console/#/setup?token="), LINK
page.goto(LINK)
page.wait("!!document.querySelector('#setup')", "the setup form")
page.screenshot(os.path.join(SHOTS, "console-setup.png"))

step("a too-short password is refused by the server, nothing is made")
page.js("""(() => { const f = document.querySelector('#setup');
  f.company.value = '合众康桥'; f.username.value = 'owner';
  f.password.removeAttribute('minlength'); f.password.value = '123';
  f.requestSubmit(); })()""")
page.wait("document.querySelector('#setup-error').textContent.includes('至少')", "the refusal")

step("creates the administrator and company and lands signed in on the radar")
page.js("""(() => { const f = document.querySelector('#setup');
  f.password.value = 'S3cret-pw'; f.requestSubmit(); })()""")
page.wait("!document.querySelector('#top').hidden", "the signed-in console")
page.wait("document.querySelector('#who').textContent.includes('合众康桥')", "the new company")
assert "token=" not in page.js("location.href"), "the used token left the address bar"

step("the link, opened again, is used up")
page.goto(LINK)
page.wait("!!document.querySelector('#setup-used')", "the used-link notice")
seen = page.js("window.cspViolations")
assert seen == [], f"the setup page broke its Content-Security-Policy: {seen}"
page.js("localStorage.clear()")
print("setup test passed")
