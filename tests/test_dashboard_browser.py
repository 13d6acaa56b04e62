"""The dashboard in a real browser: `painloop dashboard` serves it, headless Chromium (Debian's
package, driven by Playwright) loads it, presses Step, moves a slider, switches a rule off, and
checks that the pictures change -- and that the loop diagram changes only when a rule does.

Skipped where Playwright, the dashboard extra or Chromium is missing. The screenshot goes to
``$PAINLOOP_SCREENSHOT`` if set (the one in docs/figures was made that way), else to a
temporary folder. ``$PAINLOOP_DASHBOARD_URL`` points the test at a dashboard already running
(it must be freshly started: the test expects day 0 and default controls).
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("PAINLOOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVER_START_S = 240
UI_TIMEOUT_MS = 120_000
IMAGES = ("network", "prevalence", "person", "histograms", "loops")
"""The dashboard's pictures in page order (sim.teaching.dashboard.COMPONENTS)."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} "
                       "(Debian package 'chromium')"),
]


def mesa_can_show_the_model() -> bool:
    """Mesa 3.4+ SolaraViz reads ``model.scenario`` as a Mesa Scenario (its defaults and reset);
    a model whose ``scenario`` attribute holds a ``sim.Scenario`` makes the page fail to render."""
    from mesa import Model

    if not isinstance(getattr(Model, "scenario", None), property):  # Mesa 3.3: no such attribute
        return True
    from sim.teaching.dashboard_model import DashboardModel
    from sim.core.scenario import Scenario

    return not isinstance(DashboardModel(n_agents=500, burn_in_days=0).scenario, Scenario)


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory):
    if not mesa_can_show_the_model():
        pytest.skip("Mesa >= 3.4: PainLoopModel.scenario holds a sim.Scenario where SolaraViz "
                    "expects a Mesa Scenario, so the page cannot render (fix belongs in sim/model.py)")
    if os.environ.get("PAINLOOP_DASHBOARD_URL"):  # a dashboard someone already started
        yield os.environ["PAINLOOP_DASHBOARD_URL"]
        return
    from sim.teaching.dashboard_server import free_port

    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)],
                                stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + SERVER_START_S
    url = None
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        url = next((ln.split()[2] for ln in lines if ln.startswith("painloop dashboard: http")), None)
        time.sleep(0.2)
    try:
        if url is None:
            pytest.fail(f"the dashboard did not start in {SERVER_START_S} s:\n{log.read_text()[-3000:]}")
        assert url == f"http://127.0.0.1:{port}/"
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def page(dashboard_url):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1450})
        page.set_default_timeout(UI_TIMEOUT_MS)
        page.goto(dashboard_url)
        page.get_by_role("button", name="Step").wait_for()
        wait_for_images(page)
        yield page
        browser.close()


def wait_for_images(page) -> None:
    page.wait_for_function(f"document.querySelectorAll('img').length >= {len(IMAGES)}")


PICTURE_HASHES = """async () => Promise.all(Array.from(document.querySelectorAll('img')).map(async img => {
    try {
        const bytes = await (await fetch(img.src)).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('');
    } catch (e) { return null; }  // replaced while we read it: ask again
}))"""


def pictures(page) -> dict[str, str]:
    """A hash of the PNG each picture shows now, as the browser received it."""
    for _ in range(50):
        hashes = page.evaluate(PICTURE_HASHES)
        if len(hashes) >= len(IMAGES) and None not in hashes[:len(IMAGES)]:
            return dict(zip(IMAGES, hashes))
        page.wait_for_timeout(200)
    pytest.fail(f"could not read the dashboard's pictures: {hashes}")


def wait_for_day(page, day: int) -> None:
    # Mesa 3.3 writes "Step: 5", Mesa 3.5 "Time: 5.0"
    page.get_by_text(f"Step: {day}").or_(page.get_by_text(f"Time: {day}.0")).first.wait_for()


def wait_until_changed(page, before: dict[str, str], *names: str) -> dict[str, str]:
    """The pictures, once every one of ``names`` differs from ``before`` (they redraw after the
    server has stepped, so give them time)."""
    deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
    while True:
        now = pictures(page)
        same = [name for name in names if now[name] == before[name]]
        if not same:
            return now
        if time.monotonic() > deadline:
            pytest.fail(f"these pictures did not change: {same}")
        page.wait_for_timeout(300)


def press_step(page, times: int, start_day: int) -> None:
    for k in range(1, times + 1):
        page.get_by_role("button", name="Step").click()
        wait_for_day(page, start_day + k)


def reset(page) -> None:
    page.get_by_role("button", name="Reset").click()
    wait_for_day(page, 0)


def slider(page, label: str):
    return page.locator(".v-input", has_text=label).get_by_role("slider")


def test_dashboard_steps_and_reacts_to_its_controls(page, tmp_path):
    wait_for_day(page, 0)
    day0 = pictures(page)

    press_step(page, 5, start_day=0)
    after_steps = wait_until_changed(page, day0, "network", "prevalence", "person", "histograms")
    assert after_steps["loops"] == day0["loops"], "the loop diagram changes only with the rules"

    # Reset with unchanged controls rebuilds the same town: the day-0 pictures come back.
    reset(page)
    again = wait_until_changed(page, after_steps, "network")
    assert again["network"] == day0["network"]

    # Switch a rule off: the diagram is redrawn with that link dashed.
    page.locator(".v-input", has_text="switch a rule off").locator(".v-select__slot").click()
    page.get_by_role("option", name="pain_to_mood", exact=True).click()
    reset(page)
    switched = wait_until_changed(page, again, "loops", "network")
    press_step(page, 20, start_day=0)
    day20 = wait_until_changed(page, switched, "network", "prevalence", "person", "histograms")
    target = Path(os.environ.get("PAINLOOP_SCREENSHOT") or tmp_path / "dashboard.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 50_000

    # A slider moved, then Reset: a town with five injuries a year looks different on day 0.
    knob = slider(page, "injury_rate_per_year")
    start = knob.get_attribute("aria-valuenow")
    knob.focus()
    page.keyboard.press("End")
    assert knob.get_attribute("aria-valuenow") != start
    reset(page)
    moved = wait_until_changed(page, day20, "network", "prevalence")
    assert moved["network"] != switched["network"], "the slider did not reach the model"
    assert moved["loops"] == switched["loops"]
