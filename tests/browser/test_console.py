"""Browser tests of the Lampyr console: real headless Chromium drives the console of one
`lampyr demo` (hospital API, simulated users and attackers) started for this module.

Every scenario goes through the console UI; the admin JSON API (bearer token) only arranges
what the scenarios do not cover (a viewer account) and Python's http.client plays the
gateway's clients, binding loopback source addresses (127.0.2.x are the demo's attackers).

Run from the repository root, after `cargo build -p lampyr`:

    python3 -m unittest discover -s tests/browser -v

Environment: LAMPYR_BIN (default target/debug/lampyr), LAMPYR_CHROMIUM and
LAMPYR_CHROMEDRIVER (default: found on PATH), LAMPYR_REQUIRE_BROWSER=1 (fail instead of
skipping when Chromium, chromedriver or selenium are missing), LAMPYR_BROWSER_ARTIFACTS
(default target/browser-artifacts: screenshots, failure pages, the demo's stderr).
"""

import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LAMPYR_BROWSER_ARTIFACTS", REPO / "target" / "browser-artifacts"))

# The demo's API host and the group its API route admits (crates/lampyr-demo/src/spec.rs).
API_HOST = "his.hospital.example"
API_GROUP = "hospital-apps"
# An authenticated endpoint of the hospital API.
API_PATH = "/api/v1/doctors"
# Loopback source address of no simulated actor (ordinary users are 127.0.1.1-N, N <= 20).
CLEAN_SOURCE = "127.0.1.200"

# Generous deadlines: CI is a slow 2-core box running a debug build.
STARTUP_SECS = 180
DATA_SECS = 150  # inventory, sensitive labels, incidents
UI_SECS = 30  # one page action
GATEWAY_SECS = 30  # a console change reaching the gateway
GRACE_SECS = 8  # rotation grace used by the key scenario

# Chromium must not phone home: this machine (and CI sandboxes) refuse those connections.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]

DEMO = None  # the running demo (setUpModule)
BROWSER = None  # (chromium, chromedriver) paths
FAILED = []  # names of failed tests, for the stderr tail in tearDownModule


def _log(msg):
    print(f"[browser-tests] {msg}", file=sys.stderr, flush=True)


def _missing_browser(reason):
    """Skips the module, or fails it under LAMPYR_REQUIRE_BROWSER=1."""
    if os.environ.get("LAMPYR_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"browser tests required (LAMPYR_REQUIRE_BROWSER=1) but {reason}")
    _log(f"skipping the console browser tests: {reason}")
    raise unittest.SkipTest(reason)


def _find_browser():
    chromium = os.environ.get("LAMPYR_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    driver = os.environ.get("LAMPYR_CHROMEDRIVER") or shutil.which("chromedriver")
    if not chromium or not os.access(chromium, os.X_OK):
        _missing_browser("Chromium is not installed (apt-get install chromium)")
    if not driver or not os.access(driver, os.X_OK):
        _missing_browser("chromedriver is not installed (apt-get install chromium-driver)")
    try:
        import selenium.webdriver  # noqa: F401
    except ImportError:
        _missing_browser("the Python selenium package is missing (pip install -r .ci/requirements.txt)")
    return chromium, driver


def _find_binary():
    given = os.environ.get("LAMPYR_BIN")
    path = Path(given) if given else REPO / "target" / "debug" / "lampyr"
    if not path.is_file() or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"lampyr binary not found at {path}: run `cargo build -p lampyr` first or set LAMPYR_BIN"
        )
    return path


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _poll(condition, timeout, what, interval=0.25):
    """Calls `condition` until it returns something truthy (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Demo:
    """One `lampyr demo` process with a fresh data directory and free ports."""

    def __init__(self, binary):
        self.binary = binary
        self.tmp = Path(tempfile.mkdtemp(prefix="lampyr-browser-"))
        self.data = self.tmp / "data"
        self.stderr_path = self.tmp / "demo.stderr"
        self.gateway_port = _free_port()
        self.admin_port = _free_port()
        self.base = f"http://127.0.0.1:{self.admin_port}"
        self.proc = None
        self.user = ""
        self.password = ""
        self.token = ""

    def start(self):
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [
                str(self.binary),
                "demo",
                "--data-dir",
                str(self.data),
                "--listen",
                f"127.0.0.1:{self.gateway_port}",
                "--admin",
                f"127.0.0.1:{self.admin_port}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        started = time.monotonic()
        _poll(self._ready, STARTUP_SECS, "the demo to print its console address and accept connections")
        # Log in with what the demo prints; the password file must agree.
        printed = re.search(r"login:\s+(\S+) / (\S+)", self.stderr_path.read_text(errors="replace"))
        if not printed:
            raise AssertionError(f"the demo printed no login line:\n{self.stderr_tail()}")
        self.user, self.password = printed.group(1), printed.group(2)
        stored = (self.data / "console-password").read_text().strip()
        if stored != self.password:
            raise AssertionError("the printed console password differs from <data-dir>/console-password")
        self.token = (self.data / "admin-token").read_text().strip()
        took = time.monotonic() - started
        _log(f"demo up in {took:.1f} s: console {self.base}, gateway port {self.gateway_port}")

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"lampyr demo exited with {self.proc.returncode}:\n{self.stderr_tail()}")
        text = self.stderr_path.read_text(errors="replace")
        if "Lampyr demo is running." not in text:
            return False
        if not (self.data / "console-password").is_file() or not (self.data / "admin-token").is_file():
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.admin_port), timeout=2):
                pass
            with socket.create_connection(("127.0.0.1", self.gateway_port), timeout=2):
                return True
        except OSError:
            return False

    def stderr_tail(self, lines=60):
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return "(no stderr)"
        if self.password:
            text = text.replace(self.password, "<redacted>")
        return "\n".join(text.splitlines()[-lines:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _log("lampyr demo ignored SIGTERM for 30 s; killing it")
                self.proc.kill()
                self.proc.wait(timeout=30)
        if getattr(self, "_stderr", None):
            self._stderr.close()

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- HTTP clients -------------------------------------------------------------------------

    def api(self, method, path, body=None):
        """Admin JSON API with the bearer token: (status, parsed JSON or None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {self.token}"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                return resp.status, json.loads(raw) if raw else None
            except ValueError:
                return resp.status, None
        finally:
            conn.close()

    def gateway(self, path=API_PATH, key=None, source="127.0.0.1", headers=None):
        """One gateway request from loopback address `source`: (status, parsed JSON or None)."""
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.gateway_port, timeout=30, source_address=(source, 0)
        )
        try:
            sent = {"Host": API_HOST, "Accept": "application/json", **(headers or {})}
            if key:
                sent["X-API-Key"] = key
            conn.request("GET", path, headers=sent)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                return resp.status, json.loads(raw) if raw else None
            except ValueError:
                return resp.status, None
        finally:
            conn.close()


def setUpModule():
    global DEMO, BROWSER
    BROWSER = _find_browser()
    binary = _find_binary()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    DEMO = Demo(binary)
    try:
        DEMO.start()
    except BaseException:
        DEMO.stop()
        _log(f"lampyr demo stderr (tail):\n{DEMO.stderr_tail()}")
        DEMO.cleanup()
        DEMO = None
        raise


def tearDownModule():
    global DEMO
    if DEMO is None:
        return
    crashed = not DEMO.alive()
    DEMO.stop()
    tail = DEMO.stderr_tail(lines=100000)
    (ARTIFACTS / "demo-stderr.log").write_text(tail + "\n")
    if FAILED or crashed:
        why = "the demo exited early" if crashed else f"failed: {', '.join(FAILED)}"
        _log(f"{why}; lampyr demo stderr (tail):\n{DEMO.stderr_tail()}")
    DEMO.cleanup()
    DEMO = None


# -- the browser ----------------------------------------------------------------------------------

try:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # reported by setUpModule (skip, or failure when required)
    pass


class Browser:
    """A Chromium session with its own throwaway profile."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromium, driver = BROWSER
        self.profile = tempfile.mkdtemp(prefix="lampyr-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for flag in CHROMIUM_FLAGS:
            opts.add_argument(flag)
        opts.add_argument(f"--user-data-dir={self.profile}")
        self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
        self.driver.set_page_load_timeout(120)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def failed(test):
    """Whether `test` (running its tearDown) has failed: errors are recorded on the result
    as they happen, before tearDown."""
    result = getattr(getattr(test, "_outcome", None), "result", None)
    if result is None:
        return False
    for t, _ in list(getattr(result, "failures", [])) + list(getattr(result, "errors", [])):
        if t is test or getattr(t, "test_case", None) is test:
            return True
    return False


def wait(drv, timeout=UI_SECS):
    return WebDriverWait(drv, timeout, poll_frequency=0.2)


def path_of(drv):
    return urllib.parse.urlparse(drv.current_url).path


def open_page(drv, path, ready_id="page-title"):
    drv.get(DEMO.base + path)
    wait(drv).until(EC.presence_of_element_located((By.ID, ready_id)))


def login(drv, user, password):
    """Submits the login form; returns the path the browser ends on."""
    drv.get(DEMO.base + "/login")
    wait(drv).until(EC.presence_of_element_located((By.ID, "login-form")))
    form_el = drv.find_element(By.ID, "login-form")
    drv.find_element(By.ID, "login-username").send_keys(user)
    drv.find_element(By.ID, "login-password").send_keys(password)
    drv.find_element(By.ID, "login-submit").click()
    wait(drv).until(gone(form_el))
    wait(drv).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return path_of(drv)


def is_gone(el):
    """Whether `el` left the document (the page it belonged to was replaced). Chromedriver
    reports that either as a stale element or, while the old document is being torn down,
    as an inspector error about a node that "does not belong to the document"."""
    from selenium.common.exceptions import WebDriverException

    try:
        el.tag_name
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e) or "No node with given id" in str(e):
            return True
        raise
    return False


def gone(el):
    """A wait condition: `el` left the document (see `is_gone`)."""
    return lambda _d: is_gone(el)


def until_reload(drv, before, timeout=UI_SECS):
    """After an action that reloads the page on success: waits for the reload, or fails
    with the console's flash error."""

    def cond(d):
        if is_gone(before):
            return "reloaded"
        flash = d.find_elements(By.CSS_SELECTOR, "#flash.error")
        if flash and flash[0].is_displayed() and flash[0].text:
            return "error: " + flash[0].text
        return False

    outcome = wait(drv, timeout).until(cond)
    if outcome != "reloaded":
        raise AssertionError(f"console action failed: {outcome}")
    wait(drv).until(EC.presence_of_element_located((By.ID, "page-title")))


def shown_key(drv, timeout=UI_SECS):
    """The secret in `#new-key` after a key-minting action (shown once)."""

    def cond(d):
        box = d.find_elements(By.ID, "new-key-box")
        if box and box[0].is_displayed():
            text = d.find_element(By.ID, "new-key").text.strip()
            return text or False
        flash = d.find_elements(By.CSS_SELECTOR, "#flash.error")
        if flash and flash[0].is_displayed() and flash[0].text:
            raise AssertionError(f"console action failed: {flash[0].text}")
        return False

    return wait(drv, timeout).until(cond)


def current_status(drv):
    """The status an incident page shows."""
    return drv.find_element(By.ID, "incident-status-current").get_attribute("data-status")


def cells(row):
    return [td.text.strip() for td in row.find_elements(By.TAG_NAME, "td")]


def reload_until(drv, path, find, timeout, what):
    """Loads `path` again and again until `find(driver)` returns something truthy."""

    def attempt():
        open_page(drv, path)
        return find(drv)

    return _poll(attempt, timeout, what, interval=2.0)


def incident_rows(drv):
    """{id: (row cells, data-status)} of the incident list on the current page."""
    out = {}
    for row in drv.find_elements(By.CSS_SELECTOR, "tr[data-testid=incident-row]"):
        out[row.get_attribute("data-id")] = (cells(row), row.get_attribute("data-status"))
    return out


def find_incident(drv, category=None, attacker=False):
    """The id of a listed incident of `category` (and with an attacker address 127.0.2.x)."""
    for iid, (c, _status) in incident_rows(drv).items():
        if category and (len(c) < 3 or c[2] != category):
            continue
        if attacker and not attacker_ip(c):
            continue
        return iid
    return None


def attacker_ip(row_cells):
    actor = row_cells[5] if len(row_cells) > 5 else ""
    return next((w for w in actor.split() if w.startswith("127.0.2.")), None)


def save_screenshot(drv, name):
    """A full-page PNG to the artifacts directory; returns its path."""
    path = ARTIFACTS / f"{name}.png"
    try:
        m = drv.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = m.get("cssContentSize") or m["contentSize"]
        width = max(1, math.ceil(size["width"]))
        height = max(1, min(math.ceil(size["height"]), 10000))
        shot = drv.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        import base64

        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception as e:  # CDP unavailable: the viewport is still worth having
        _log(f"full-page screenshot of {name} failed ({e}); saving the viewport")
        drv.save_screenshot(str(path))
    return path


def png_size(path):
    """(width, height) of a PNG file, or None when it is not one."""
    data = Path(path).read_bytes()
    if len(data) < 33 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def first_incident():
    """An incident from the admin API (one with an actor address first), or None."""
    _, body = DEMO.api("GET", "/admin/v1/incidents")
    items = (body or {}).get("items") or []
    with_actor = [i for i in items if i.get("actor_ip")]
    return (with_actor or items or [None])[0]


def fetch(drv, method, url, body, csrf="page"):
    """A fetch() from the current page with the session cookie: its HTTP status. `csrf` is
    "page" (the page's token), None (no header) or a literal token."""
    return drv.execute_async_script(
        """
        const [method, url, body, csrf, done] = arguments;
        const headers = {'Content-Type': 'application/json'};
        const token = csrf === 'page'
            ? document.querySelector('meta[name="csrf-token"]').content : csrf;
        if (token !== null) { headers['X-CSRF-Token'] = token; }
        fetch(url, {method, credentials: 'same-origin', headers, body: JSON.stringify(body)})
          .then(r => done(r.status), e => done(String(e)));
        """,
        method,
        url,
        body,
        csrf,
    )


class ConsoleTest(unittest.TestCase):
    """Scenarios on one admin browser session (logged in once, re-logged in when needed)."""

    browser = None

    @classmethod
    def setUpClass(cls):
        cls.browser = Browser()
        cls.drv = cls.browser.driver

    @classmethod
    def tearDownClass(cls):
        if cls.browser is not None:
            cls.browser.quit()

    def setUp(self):
        self.assertTrue(DEMO.alive(), f"lampyr demo is not running:\n{DEMO.stderr_tail()}")

    def tearDown(self):
        if failed(self):
            FAILED.append(self._testMethodName)
            self.dump(f"failure-{self._testMethodName}")

    def dump(self, name):
        try:
            save_screenshot(self.drv, name)
            (ARTIFACTS / f"{name}.html").write_text(self.drv.page_source)
            _log(f"failure page saved: {ARTIFACTS / name}.png/.html (at {self.drv.current_url})")
        except Exception as e:
            _log(f"could not save the failure page: {e}")

    def as_admin(self):
        """Makes sure the shared session is logged in as the demo's admin."""
        self.drv.get(DEMO.base + "/")
        wait(self.drv).until(lambda d: d.execute_script("return document.readyState") == "complete")
        if path_of(self.drv) == "/login":
            self.assertEqual(login(self.drv, DEMO.user, DEMO.password), "/")
        wait(self.drv).until(EC.presence_of_element_located((By.ID, "current-user")))

    def wait_inventory(self):
        """Waits for a patients endpoint in the inventory; returns its key."""

        def find(d):
            for row in d.find_elements(By.CSS_SELECTOR, "tr[data-testid=endpoint-row]"):
                key = row.get_attribute("data-key") or ""
                if "/api/v1/patients/{" in key and key.startswith("GET "):
                    return key
            return None

        what = "a GET /api/v1/patients/{…} endpoint in the inventory"
        return reload_until(self.drv, "/inventory", find, DATA_SECS, what)

    def wait_incident(self, category=None, attacker=False):
        what = f"a {category or 'any'} incident{' of an attacker address' if attacker else ''} in the list"
        return reload_until(
            self.drv, "/incidents", lambda d: find_incident(d, category, attacker), DATA_SECS, what
        )

    # -- 1. login -------------------------------------------------------------------------------

    def test_01_login_rejects_a_wrong_password_then_shows_the_overview(self):
        drv = self.drv
        drv.delete_all_cookies()
        drv.get(DEMO.base + "/")
        wait(drv).until(EC.presence_of_element_located((By.ID, "login-form")))
        self.assertEqual(path_of(drv), "/login", "an anonymous visit to / must land on the login page")

        self.assertEqual(login(drv, DEMO.user, DEMO.password + "-wrong"), "/login")
        error = drv.find_element(By.ID, "login-error")
        self.assertTrue(error.is_displayed())
        self.assertIn("invalid user name or password", error.text)
        self.assertIsNone(drv.get_cookie("lampyr_session"), "a failed login must not start a session")
        drv.get(DEMO.base + "/incidents")
        wait(drv).until(EC.presence_of_element_located((By.ID, "login-form")))
        self.assertEqual(path_of(drv), "/login")

        self.assertEqual(login(drv, DEMO.user, DEMO.password), "/")
        wait(drv).until(EC.presence_of_element_located((By.ID, "current-user")))
        self.assertEqual(drv.find_element(By.ID, "page-title").text, "Overview")
        who = drv.find_element(By.ID, "current-user")
        self.assertIn(DEMO.user, who.text)
        self.assertEqual(who.get_attribute("data-role"), "admin")
        cookie = drv.get_cookie("lampyr_session")
        self.assertIsNotNone(cookie, "a successful login sets the session cookie")
        self.assertTrue(cookie.get("httpOnly"), "the session cookie must be HttpOnly")
        self.assertEqual(cookie.get("sameSite"), "Strict")
        for el_id in ("stat-endpoints", "stat-open-incidents", "traffic-chart", "pipeline-status"):
            self.assertTrue(drv.find_elements(By.ID, el_id), f"overview lacks #{el_id}")

    # -- 2. inventory ---------------------------------------------------------------------------

    def test_02_inventory_fills_from_demo_traffic_and_shows_sensitive_labels(self):
        self.as_admin()
        drv = self.drv
        key = self.wait_inventory()
        count = int(drv.find_element(By.ID, "inventory-count").text)
        self.assertGreater(count, 0)
        # The overview counts them too.
        open_page(drv, "/")
        overview_endpoints = int(drv.find_element(By.ID, "stat-endpoints").text or "0")
        self.assertGreater(overview_endpoints, 0, "the overview counts no endpoints")

        def labelled(d):
            labels = d.find_elements(By.CSS_SELECTOR, "#param-tree [data-testid=sensitive-label]")
            return [lab.text for lab in labels if lab.is_displayed() and lab.text] or None

        # The patient record's personal data is labelled once enough responses are classified.
        path = "/inventory/endpoint?key=" + urllib.parse.quote(key, safe="")
        what = f"sensitive labels in the parameter tree of {key}"
        labels = reload_until(drv, path, labelled, DATA_SECS, what)
        self.assertEqual(drv.find_element(By.ID, "endpoint-key").text, key)
        self.assertTrue(any("level" in lab for lab in labels), labels)
        rows = drv.find_elements(By.CSS_SELECTOR, "#endpoint-sensitive tbody tr:not(.empty)")
        self.assertTrue(rows, "the endpoint's sensitive-data table is empty while the tree has labels")

        # The same page is reached by clicking the endpoint in the inventory list.
        open_page(drv, "/inventory")
        row = f"tr[data-testid=endpoint-row][data-key='{key}']"
        link = drv.find_element(By.CSS_SELECTOR, f"{row} a.endpoint-link")
        link.click()
        wait(drv).until(EC.presence_of_element_located((By.ID, "param-tree")))
        self.assertEqual(drv.find_element(By.ID, "endpoint-key").text, key)

    # -- 3. incident workflow -------------------------------------------------------------------

    def test_03_incident_is_investigated_then_resolved_with_notes_and_audited(self):
        self.as_admin()
        drv = self.drv
        iid = self.wait_incident("attack.sqli")
        drv.find_element(By.CSS_SELECTOR, f"tr[data-id='{iid}'] a[data-testid=incident-link]").click()
        wait(drv).until(EC.presence_of_element_located((By.ID, "incident-form")))
        self.assertEqual(drv.find_element(By.ID, "incident-id").text, iid)
        self.assertEqual(current_status(drv), "open")
        self.assertTrue(
            drv.find_elements(By.CSS_SELECTOR, "#evidence-list, [id^=evidence]"), "no evidence section"
        )

        run = secrets.token_hex(4)
        for status, note in (
            ("investigating", f"triage by the browser test {run}"),
            ("resolved", f"fixed by the browser test {run}"),
        ):
            Select(drv.find_element(By.ID, "incident-status")).select_by_value(status)
            note_el = drv.find_element(By.ID, "incident-note")
            note_el.clear()
            note_el.send_keys(note)
            before = drv.find_element(By.TAG_NAME, "html")
            drv.find_element(By.ID, "incident-save").click()
            until_reload(drv, before)
            self.assertEqual(current_status(drv), status)
            self.assertIn(note, drv.find_element(By.ID, "incident-notes").text)

        # Persisted: a fresh load (and the filtered list) still says resolved, with both notes.
        open_page(drv, f"/incidents/{urllib.parse.quote(iid)}")
        self.assertEqual(current_status(drv), "resolved")
        selected = Select(drv.find_element(By.ID, "incident-status")).first_selected_option
        self.assertEqual(selected.get_attribute("value"), "resolved")
        notes = drv.find_element(By.ID, "incident-notes").text
        self.assertIn(f"triage by the browser test {run}", notes)
        self.assertIn(f"fixed by the browser test {run}", notes)
        self.assertIn(DEMO.user, notes, "notes name their author")
        open_page(drv, "/incidents?status=resolved")
        listed = incident_rows(drv)
        self.assertIn(iid, listed)
        self.assertEqual(listed[iid][1], "resolved")

        # The audit log lists both changes by admin.
        open_page(drv, "/audit")
        audit = "tr[data-testid=audit-row][data-action='incident.update']"
        changes = [cells(r) for r in drv.find_elements(By.CSS_SELECTOR, audit)]
        mine = [c for c in changes if len(c) > 3 and c[3] == f"incident/{iid}"]
        self.assertGreaterEqual(len(mine), 2, f"audit rows for incident/{iid}: {changes[:5]}")
        self.assertTrue(all(c[1] == DEMO.user for c in mine))
        self.assertTrue(any('"resolved"' in c[4] for c in mine), mine)

    # -- 4. block an actor ----------------------------------------------------------------------

    def test_04_blocking_an_attacker_makes_the_gateway_refuse_its_address(self):
        self.as_admin()
        drv = self.drv
        iid = self.wait_incident(attacker=True)
        row = incident_rows(drv)[iid][0]
        ip = attacker_ip(row)
        status, _ = DEMO.gateway(source=ip)
        self.assertEqual(status, 401, f"before the block, keyless requests from {ip} get 401")

        open_page(drv, f"/incidents/{urllib.parse.quote(iid)}", ready_id="block-form")
        self.assertIn(ip, drv.find_element(By.ID, "incident-actor").text)
        Select(drv.find_element(By.ID, "block-target")).select_by_value("ip")
        ttl = drv.find_element(By.ID, "block-ttl")
        ttl.clear()
        ttl.send_keys("600")
        before = drv.find_element(By.TAG_NAME, "html")
        drv.find_element(By.ID, "block-actor").click()
        until_reload(drv, before)
        self.assertIn(f"blocked {ip} for 600 s", drv.find_element(By.ID, "incident-notes").text)

        # The deny list reaches the gateway: refused before authentication (403, not 401).
        def refused():
            status, body = DEMO.gateway(source=ip)
            return (status, body) if status == 403 else None

        status, body = _poll(refused, GATEWAY_SECS, f"the gateway to refuse {ip}")
        self.assertEqual((body or {}).get("error"), "denied", body)
        status, body = DEMO.gateway(source=CLEAN_SOURCE)
        self.assertEqual(status, 401, f"an unblocked address still gets the auth challenge: {body}")

        open_page(drv, "/gateway")
        deny_sel = f"tr[data-testid=deny-row][data-kind=ip][data-value='{ip}']"
        deny = drv.find_elements(By.CSS_SELECTOR, deny_sel)
        self.assertTrue(deny, f"the gateway page's deny list lacks {ip}")
        self.assertIn(iid, cells(deny[0])[3])

    # -- 5. keys --------------------------------------------------------------------------------

    def test_05_key_is_created_and_rotated_with_a_grace_period(self):
        self.as_admin()
        drv = self.drv
        name = f"browser-app-{secrets.token_hex(3)}"
        open_page(drv, "/gateway", ready_id="consumer-create-form")
        drv.find_element(By.ID, "consumer-name").send_keys(name)
        drv.find_element(By.CSS_SELECTOR, "#consumer-create-form [name=groups]").send_keys(API_GROUP)
        before = drv.find_element(By.TAG_NAME, "html")
        drv.find_element(By.ID, "consumer-create").click()
        until_reload(drv, before)
        row_sel = f"tr[data-testid=consumer-row][data-consumer='{name}']"
        self.assertTrue(drv.find_elements(By.CSS_SELECTOR, row_sel), f"consumer {name} not listed")
        self.assertIn(API_GROUP, cells(drv.find_element(By.CSS_SELECTOR, row_sel))[1])

        drv.find_element(By.CSS_SELECTOR, f"button[data-testid=create-key][data-consumer='{name}']").click()
        old_key = shown_key(drv)

        def answers(key, want):
            def check():
                status, body = DEMO.gateway(key=key, source=CLEAN_SOURCE)
                return (status, body) if status == want else None

            return check

        _poll(answers(old_key, 200), GATEWAY_SECS, "the new key to be accepted by the gateway")

        before = drv.find_element(By.TAG_NAME, "html")
        drv.find_element(By.ID, "new-key-done").click()
        until_reload(drv, before)
        self.assertNotIn(old_key, drv.page_source, "the key must be shown only once")
        cred_sel = f"li[data-testid=credential-row][data-consumer='{name}']"
        creds = drv.find_elements(By.CSS_SELECTOR, cred_sel)
        self.assertEqual(len(creds), 1)
        old_id = creds[0].get_attribute("data-credential")

        grace = drv.find_element(By.ID, "rotate-grace")
        grace.clear()
        grace.send_keys(str(GRACE_SECS))
        clicked = time.monotonic()  # the grace starts after this
        creds[0].find_element(By.CSS_SELECTOR, "button[data-testid=rotate-key]").click()
        new_key = shown_key(drv)
        self.assertNotEqual(new_key, old_key)

        # Inside the grace the old key still works (asserted only while the grace surely
        # lasts: the server started it after `clicked`)...
        status, body = DEMO.gateway(key=old_key, source=CLEAN_SOURCE)
        if time.monotonic() - clicked < GRACE_SECS - 1:
            self.assertEqual(status, 200, f"the old key must keep working during its grace: {body}")
        else:
            _log(f"rotation took {time.monotonic() - clicked:.1f} s: grace not observed from the client")
        # ... and so does the new one.
        _poll(answers(new_key, 200), GATEWAY_SECS, "the rotated key to be accepted")

        _poll(answers(old_key, 401), GRACE_SECS + GATEWAY_SECS, "the old key to expire after its grace")
        self.assertGreaterEqual(
            time.monotonic() - clicked, GRACE_SECS - 1, "the old key was refused before its grace ended"
        )
        status, body = DEMO.gateway(key=new_key, source=CLEAN_SOURCE)
        self.assertEqual(status, 200, f"the new key must still work after the old one expired: {body}")

        before = drv.find_element(By.TAG_NAME, "html")
        drv.find_element(By.ID, "new-key-done").click()
        until_reload(drv, before)
        states = {
            li.get_attribute("data-credential"): li.text
            for li in drv.find_elements(By.CSS_SELECTOR, cred_sel)
        }
        self.assertEqual(len(states), 2, states)
        self.assertIn("expired", states[old_id], "after its grace the old key reads as expired")
        old_row = drv.find_element(By.CSS_SELECTOR, f"{cred_sel}[data-credential='{old_id}']")
        self.assertEqual(
            old_row.find_elements(By.CSS_SELECTOR, "button[data-testid=rotate-key]"),
            [],
            "an expired key cannot be rotated",
        )
        self.assertNotIn(new_key, drv.page_source)

    # -- 6. screenshots -------------------------------------------------------------------------

    def test_06_screenshots_of_the_main_pages(self):
        self.as_admin()
        drv = self.drv
        key = self.wait_inventory()
        iid = self.wait_incident(attacker=True)
        ip = attacker_ip(incident_rows(drv)[iid][0])
        pages = [
            ("overview", "/", "traffic-chart"),
            ("inventory", "/inventory", "inventory-table"),
            ("endpoint", "/inventory/endpoint?key=" + urllib.parse.quote(key, safe=""), "param-tree"),
            ("sensitive", "/sensitive", "sensitive-table"),
            ("incidents", "/incidents", "incidents-table"),
            ("incident", f"/incidents/{urllib.parse.quote(iid)}", "incident-id"),
            ("investigate", "/investigate", "exchanges-table"),
            ("actor", f"/actors/{urllib.parse.quote(ip)}", "actor-name"),
            ("gateway", "/gateway", "consumers-table"),
            ("audit", "/audit", "audit-table"),
            ("users", "/users", "users-table"),
        ]
        for name, path, ready in pages:
            with self.subTest(page=name):
                open_page(drv, path, ready_id=ready)
                self.assertNotEqual(path_of(drv), "/login")
                shot = save_screenshot(drv, name)
                size = png_size(shot)
                self.assertIsNotNone(size, f"{shot} is not a PNG")
                self.assertGreater(shot.stat().st_size, 1000, f"{shot} is suspiciously small")
                self.assertTrue(size[0] >= 800 and size[1] >= 300, f"{shot} is {size}")


class SecurityTest(unittest.TestCase):
    """Security basics seen from the browser, each on its own session."""

    def setUp(self):
        self.assertTrue(DEMO.alive(), f"lampyr demo is not running:\n{DEMO.stderr_tail()}")
        self.browser = Browser()
        self.drv = self.browser.driver
        self.addCleanup(self.browser.quit)

    def tearDown(self):
        if failed(self):
            FAILED.append(self._testMethodName)
            ConsoleTest.dump(self, f"failure-{self._testMethodName}")

    def test_logout_ends_the_session(self):
        drv = self.drv
        self.assertEqual(login(drv, DEMO.user, DEMO.password), "/")
        old = drv.get_cookie("lampyr_session")
        self.assertIsNotNone(old)
        before = drv.find_element(By.TAG_NAME, "html")
        drv.find_element(By.ID, "logout").click()
        wait(drv).until(gone(before))
        wait(drv).until(EC.presence_of_element_located((By.ID, "login-form")))
        self.assertEqual(path_of(drv), "/login")
        self.assertIsNone(drv.get_cookie("lampyr_session"), "logout clears the session cookie")
        for page in ("/", "/incidents", "/gateway"):
            drv.get(DEMO.base + page)
            wait(drv).until(EC.presence_of_element_located((By.ID, "login-form")))
            self.assertEqual(path_of(drv), "/login", f"{page} after logout")
        # The old session token is dead on the server too, not only forgotten by the browser.
        drv.add_cookie({"name": "lampyr_session", "value": old["value"], "path": "/"})
        drv.get(DEMO.base + "/")
        wait(drv).until(EC.presence_of_element_located((By.ID, "login-form")))
        self.assertEqual(path_of(drv), "/login", "a logged-out session token must not be accepted")

    def test_attack_payloads_are_shown_as_text(self):
        drv = self.drv
        probe = f"xss-probe-{secrets.token_hex(3)}"
        payload = f'<b id="{probe}">p</b><script>window.__lampyr_xss = 1</script>'
        source = "127.0.1.202"

        def send_probe():
            # The query's script tag makes it an attack, whose evidence is always stored
            # (ordinary exchanges are sampled); the headers carry the payload verbatim.
            query = "/api/v1/doctors?q=" + urllib.parse.quote("<script>alert(1)</script>")
            headers = {"User-Agent": payload, "X-Note": payload}
            status, _ = DEMO.gateway(path=query, source=source, headers=headers)
            self.assertEqual(status, 401)

        send_probe()
        self.assertEqual(login(drv, DEMO.user, DEMO.password), "/")

        # Found through the investigation form, as an analyst would.
        def searched(d):
            open_page(d, "/investigate", ready_id="search-form")
            ip = d.find_element(By.ID, "search-ip")
            ip.clear()
            ip.send_keys(source)
            before = d.find_element(By.TAG_NAME, "html")
            d.find_element(By.ID, "search-submit").click()
            wait(d).until(gone(before))
            wait(d).until(EC.presence_of_element_located((By.ID, "exchanges-table")))
            link_sel = "tr[data-testid=exchange-row] td a[href^='/exchanges/']"
            found = d.find_elements(By.CSS_SELECTOR, link_sel)
            if not found:
                send_probe()
            return found

        links = _poll(lambda: searched(drv), DATA_SECS, f"the probe exchange from {source}", interval=2.0)
        self.assertIn(f"ip={source}", drv.current_url)
        links[0].click()
        wait(drv).until(EC.presence_of_element_located((By.ID, "exchange-detail")))
        shown = drv.find_element(By.ID, "exchange-detail").text
        self.assertIn(payload, shown, "the payload is shown verbatim")
        self.assertFalse(drv.find_elements(By.ID, probe), "the payload's markup was rendered")
        self.assertIsNone(drv.execute_script("return window.__lampyr_xss"), "the payload's script ran")

    def test_writes_need_the_csrf_token(self):
        drv = self.drv
        incident = _poll(first_incident, DATA_SECS, "an incident", interval=2.0)
        self.assertEqual(login(drv, DEMO.user, DEMO.password), "/")
        url = f"/admin/v1/incidents/{urllib.parse.quote(incident['id'])}"
        for token in (None, "forged-token"):
            status = fetch(drv, "PATCH", url, {"note": "csrf probe"}, csrf=token)
            self.assertEqual(status, 403, f"a cookie-authenticated PATCH with csrf={token!r}")
        status = fetch(drv, "PATCH", url, {"note": "csrf probe with the page token"}, csrf="page")
        self.assertEqual(status, 200, "the page's own token is accepted")

    def test_viewer_sees_no_actions(self):
        drv = self.drv
        name = f"viewer-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(18)
        user = {"name": name, "role": "viewer", "password": password}
        status, body = DEMO.api("POST", "/admin/v1/users", user)
        self.assertIn(status, (200, 201), body)
        incident = _poll(first_incident, DATA_SECS, "an incident to show the viewer", interval=2.0)

        self.assertEqual(login(drv, name, password), "/")
        who = drv.find_element(By.ID, "current-user")
        self.assertEqual(who.get_attribute("data-role"), "viewer")
        self.assertFalse(drv.find_elements(By.ID, "nav-users"), "viewers get no users page link")

        open_page(drv, f"/incidents/{urllib.parse.quote(incident['id'])}", ready_id="incident-id")
        for el_id in (
            "incident-form",
            "incident-save",
            "block-form",
            "block-actor",
            "exception-form",
            "add-exception",
        ):
            self.assertFalse(drv.find_elements(By.ID, el_id), f"viewer sees #{el_id}")
        actions = drv.find_elements(By.CSS_SELECTOR, "main [data-api], main button:not(#logout)")
        shown = [a.get_attribute("outerHTML")[:120] for a in actions]
        self.assertEqual(shown, [], "viewer sees action controls")

        open_page(drv, "/gateway", ready_id="consumers-table")
        for sel in (
            "#consumer-create-form",
            "[data-testid=create-key]",
            "[data-testid=rotate-key]",
            "[data-testid=revoke-key]",
            "[data-testid=deny-remove]",
        ):
            self.assertFalse(drv.find_elements(By.CSS_SELECTOR, sel), f"viewer sees {sel} on /gateway")
        # No page offers a viewer anything that writes (console.js actions, uploads, posts).
        writes = "main [data-api], main [data-upload], main form[method=post], main input[type=file]"
        for page in ("/", "/inventory", "/sensitive", "/incidents", "/investigate", "/gateway", "/audit"):
            open_page(drv, page)
            found = [e.get_attribute("outerHTML")[:120] for e in drv.find_elements(By.CSS_SELECTOR, writes)]
            self.assertEqual(found, [], f"viewer sees write controls on {page}")

        # Hidden buttons are not the protection: the API refuses the viewer's own session too.
        url = f"/admin/v1/incidents/{urllib.parse.quote(incident['id'])}"
        result = fetch(drv, "PATCH", url, {"status": "false_positive"})
        self.assertEqual(result, 403, "a viewer's PATCH of an incident must be forbidden")
        drv.get(DEMO.base + "/users")
        wait(drv).until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.assertFalse(drv.find_elements(By.ID, "users-table"), "a viewer must not see the users page")


if __name__ == "__main__":
    unittest.main()
