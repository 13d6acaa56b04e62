"""How fast the dashboard steps at 1,000 people (the issue asks for at least 5 steps a second).

Three measurements, each the median and best of several rounds:

1. **model**: ``DashboardModel.step()`` alone (the simulation);
2. **server redraw**: a step plus the four pictures that change every step, drawn to PNG --
   what one press of Step costs the server before anything is sent;
3. **browser** (``--browser``; needs Debian's chromium and Playwright): the real dashboard,
   served by ``painloop dashboard``, playing in headless Chromium with the play interval at its
   minimum, counted from the step number the page shows. This includes the websocket, the
   browser and Solara's own work, and with ``--render-interval K`` shows the speed when the
   pictures are redrawn every K days.

    python benchmarks/dashboard_speed.py [--agents 1000] [--rounds 3] [--browser] [--render-interval K]

Timings depend on the machine and on what else runs on it: the script prints the load average.
It imports the installed package (``pip install -e .``, or ``PYTHONPATH=.`` in a checkout).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=UserWarning)


def rate(seconds_per_round: list[float], steps: int) -> str:
    per_second = [steps / s for s in seconds_per_round]
    return f"median {statistics.median(per_second):6.1f}, best {max(per_second):6.1f} steps/s"


def model_and_server(agents: int, rounds: int, steps: int) -> None:
    from sim.teaching import dashboard
    from sim.teaching.dashboard_model import DashboardModel

    started = time.perf_counter()
    model = DashboardModel(n_agents=agents)
    print(f"building the model (burn-in and network layout): {time.perf_counter() - started:.2f} s")
    plots = [cls(model) for cls in (dashboard.NetworkPlot, dashboard.PrevalencePlot,
                                    dashboard.HistogramPlot, dashboard.PersonPlot)]
    alone, redraw, per_plot = [], [], {type(p).__name__: [] for p in plots}
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(steps):
            model.step()
        alone.append(time.perf_counter() - t)
        t = time.perf_counter()
        for _ in range(steps):
            model.step()
            for plot in plots:
                t_plot = time.perf_counter()
                plot.png(model)
                per_plot[type(plot).__name__].append(time.perf_counter() - t_plot)
        redraw.append(time.perf_counter() - t)
    print(f"model step alone ({agents:,} people):      {rate(alone, steps)}")
    print(f"step + the four per-step pictures:    {rate(redraw, steps)}")
    for name, times in per_plot.items():
        print(f"    {name:15s} {1000 * statistics.median(times):6.1f} ms per picture (median)")


def in_browser(agents: int, seconds: float, render_interval: int) -> None:
    import subprocess

    from playwright.sync_api import sync_playwright

    from sim.teaching.dashboard_server import free_port

    chromium = os.environ.get("PAINLOOP_CHROMIUM", "/usr/bin/chromium")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in server.stdout:
            if line.startswith("painloop dashboard: http"):
                break
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            page = browser.new_page(viewport={"width": 1500, "height": 1450})
            page.set_default_timeout(180_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_role("button", name="Step").wait_for()
            if agents != 1_000:
                raise SystemExit("--browser measures the dashboard's own default town (1,000 people)")
            sliders = page.get_by_role("slider")
            sliders.nth(0).focus()
            for _ in range(20):  # play interval down to its minimum, 1 ms
                page.keyboard.press("ArrowLeft")
            sliders.nth(1).focus()
            page.keyboard.press("Home")
            for _ in range((render_interval - 1) // 2):  # Mesa's slider: 1, 3, 5, ...
                page.keyboard.press("ArrowRight")
            render_interval = int(float(sliders.nth(1).get_attribute("aria-valuenow")))
            def day() -> float:
                # read straight from the DOM: while playing, the page re-renders too often for a
                # locator to settle on the element (and for a moment it may not be there at all)
                for _ in range(500):  # up to ~10 s: a busy page answers late
                    text = page.evaluate("() => Array.from(document.querySelectorAll('div, span'))"
                                         ".map(e => e.textContent.trim())"
                                         ".find(t => t.startsWith('Step:') || t.startsWith('Time:'))")
                    if text:
                        return float(text.split(":")[1])
                    page.wait_for_timeout(20)
                raise RuntimeError("the page shows no step number")

            page.get_by_role("button", name="▶").click()
            page.wait_for_timeout(2_000)  # let playing settle
            first, t0 = day(), time.perf_counter()
            page.wait_for_timeout(seconds * 1_000)
            last, t1 = day(), time.perf_counter()
            browser.close()
        print(f"in the browser, playing, render interval {render_interval}: "
              f"{(last - first) / (t1 - t0):.1f} days/s ({last - first:.0f} days in {t1 - t0:.1f} s)")
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30, help="steps per round (default 30)")
    parser.add_argument("--browser", action="store_true", help="also measure in headless Chromium")
    parser.add_argument("--seconds", type=float, default=15.0, help="browser: seconds of play")
    parser.add_argument("--render-interval", type=int, default=1,
                        help="browser: days per redraw (Mesa's Render Interval: 1, 3, 5, ...)")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    model_and_server(args.agents, args.rounds, args.steps)
    if args.browser:
        in_browser(args.agents, args.seconds, args.render_interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
