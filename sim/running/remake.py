"""Remake everything downstream of the defaults, in order, with one command.

A change of a default (a calibration run, a value set by hand, a new rule) moves every number
the project publishes: the golden baseline, the validation report, the ODD tables, the posterior
ensemble and what is computed over it, the experiments' tables and figures, the lesson and the
sensitivity report. Done by hand that was some twenty commands over about three hours, and more
than one refit stopped half-way through it. :data:`STEPS` lists them once, in an order that
respects what reads what (the ensemble before the comparisons over it, the validation report
before the section ``cea_published`` writes into it)::

    python experiments/remake.py            # everything, full size, into the checkout
    python experiments/remake.py --list     # the steps, their commands and last measured times
    python experiments/remake.py --only drift,timing
    python experiments/remake.py --quick    # every step that has a small version, into results/remake_quick

Each step runs as its own process (its memory is freed when it ends; Mesa 3.3 keeps models with
agents alive) with its output in ``results/remake/STEP`` and its log in ``results/remake/STEP.log``.
Once it succeeds, the figures the documentation shows are copied into ``docs/figures`` (each file
replaced whole). Steps that write into the checkout themselves (``painloop validate``, ``odd``,
``lesson``, ``posterior.py --write``, ``sensitivity.py --docs``) have no small version and are left
out of ``--quick``.

``results/remake/manifest.json`` records each step's command, the code it ran (the git trees of
``sim/``, ``experiments/`` and ``tests/golden/``), its time and the files it copied. A rerun skips
the steps already done by the same command on the same committed code, so an interrupted remake resumes where it stopped
(``--restart`` runs everything again). The first failing step stops the remake; its log is named
and nothing of it is copied.

The prose around the numbers (README, ``docs/experiments.md``, ``docs/uncertainty.md``) is still
written by a person: this command remakes the numbers and figures it quotes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sim.core.errors import InputError
from sim.running.files import make_folder, write_file, write_text
from sim.running.scripts import ROOT, main


@dataclass(frozen=True)
class Step:
    """One command of the remake.

    ``full`` and ``quick`` are the arguments after the Python interpreter (a script of
    ``experiments/`` or ``-m sim`` for ``painloop``); ``{out}`` stands for the step's output
    folder. ``quick`` is None for a step that can only write into the checkout. ``copies`` maps a
    file the step writes into its folder to its name in ``docs/figures``. ``minutes`` is the last
    full-size time measured on the 2-core development machine and ``measured`` where it is written
    down (None: not measured on its own)."""

    name: str
    full: tuple[str, ...]
    quick: tuple[str, ...] | None
    minutes: float | None = None
    measured: str = ""
    copies: dict[str, str] = field(default_factory=dict)


PAINLOOP = ("-m", "sim")
POSTERIOR = ("experiments/posterior.py", "--agents", "2000", "--seeds", "1", "--waves", "4", "--runs-per-wave",
             "100", "--final-runs", "800", "--screen-batches", "130", "--sets-per-batch", "25", "--workers", "2")

STEPS: tuple[Step, ...] = (
    Step("golden", ("tests/golden/regenerate.py",), None),
    Step("odd", (*PAINLOOP, "odd"), None),
    Step("validate", (*PAINLOOP, "validate"), (*PAINLOOP, "validate", "--quick", "--out", "{out}"),
         4.9, "docs/validation.md of 2026-12-03 (10,000 people x 5 seeds)"),
    Step("cea_published", ("experiments/cea_published.py", "--out", "{out}"), None),  # writes its section of docs/validation.md
    Step("posterior", (*POSTERIOR, "--write"), ("experiments/posterior.py", "--quick", "--out", "{out}"),
         25.5, "sim/core/ensemble_record.json of 2026-12-01 (1,531 s)"),
    Step("posterior_report", ("experiments/posterior_report.py",), None),
    Step("compare_ensemble", (*PAINLOOP, "compare", "--ensemble", "200", "--agents", "2000", "--seeds", "2",
                              "--out", "{out}"),
         (*PAINLOOP, "compare", "--quick", "--ensemble", "4", "--out", "{out}"),
         25.9, "docs/uncertainty.md, 'The headline over 200 draws' (session 21, burn-ins not cached)",
         {"ensemble_effects.png": "ensemble_effects_200.png"}),
    Step("validate_ensemble", (*PAINLOOP, "validate", "--quick", "--ensemble", "50", "--out", "{out}"),
         (*PAINLOOP, "validate", "--quick", "--ensemble", "4", "--out", "{out}"),
         2.0, "docs/uncertainty.md, 'Over the shipped ensemble'"),
    Step("cea_ensemble", (*PAINLOOP, "cea", "--agents", "1000", "--seeds", "2", "--ensemble", "20", "--horizon-years",
                          "1", "--out", "{out}"),
         (*PAINLOOP, "cea", "--quick", "--ensemble", "2", "--out", "{out}"),
         4.8, "README, 'Each draw is priced under its own parameter set' (session 21, beside another run)"),
    Step("cea_quick", (*PAINLOOP, "cea", "--quick", "--out", "{out}"), (*PAINLOOP, "cea", "--quick", "--out", "{out}"),
         3.5, "docs/cost_effectiveness.md (session 8)",
         {"ce_plane.png": "cea_quick_ce_plane.png", "frontier.png": "cea_quick_frontier.png"}),
    Step("drift", ("experiments/drift.py", "--agents", "100000", "--seeds", "4", "--out", "{out}"),
         ("experiments/drift.py", "--quick", "--out", "{out}"),
         14.0, "docs/ODD.md (100,000 people x 4 seeds)", {"drift.png": "drift.png"}),
    Step("convergence", ("experiments/drift.py", "--convergence", "--out", "{out}"),
         ("experiments/drift.py", "--convergence", "--quick", "--years", "18", "--out", "{out}"),
         6.9, "docs/ODD.md, 'The convergence rerun' (session 22)",
         copies={"convergence.png": "convergence.png"}),
    Step("dose_response", ("experiments/dose_response.py", "--out", "{out}"),
         ("experiments/dose_response.py", "--quick", "--out", "{out}"),
         5.0, "docs/experiments.md", {"dose_response.png": "dose_response.png"}),
    Step("timing", ("experiments/timing.py", "--out", "{out}"), ("experiments/timing.py", "--quick", "--out", "{out}"),
         3.6, "docs/experiments.md", {"timing.png": "timing.png"}),
    Step("two_states", ("experiments/two_states.py", "--out", "{out}"),
         ("experiments/two_states.py", "--quick", "--out", "{out}"), copies={"two_states.png": "two_states.png"}),
    Step("hysteresis_injury_rate", ("experiments/hysteresis.py", "--out", "{out}"),
         ("experiments/hysteresis.py", "--quick", "--out", "{out}"),
         9.6, "remake of session 22 (10,000 people x 2 seeds)",
         copies={"hysteresis.png": "hysteresis_injury_rate.png", "summary.md": "hysteresis_injury_rate.md"}),
    Step("hysteresis_stress", ("experiments/hysteresis.py", "--driver", "stress_bias", "--out", "{out}"),
         ("experiments/hysteresis.py", "--quick", "--driver", "stress_bias", "--out", "{out}"),
         10.2, "remake of session 22 (10,000 people x 2 seeds)",
         copies={"hysteresis.png": "hysteresis_stress.png", "summary.md": "hysteresis_stress.md"}),
    Step("break_the_loop", ("experiments/break_the_loop.py", "--seeds", "2", "--out", "{out}"),
         ("experiments/break_the_loop.py", "--quick", "--out", "{out}"),
         10.1, "docs/experiments.md (10,000 people x 2 seeds)", {"break_the_loop.png": "break_the_loop.png"}),
    Step("lesson", (*PAINLOOP, "lesson"), None),
    Step("sensitivity", ("experiments/sensitivity.py", "--agents", "2500", "--trajectories", "10", "--top", "4",
                         "--sobol-n", "64", "--quiet", "--docs", "--out", "{out}"), None,
         25.3, "docs/sensitivity_notes.md, 'Limits of this run' (session 22)"),
)
"""Everything a change of defaults remakes, in order."""

NOT_REMADE = {
    "calibrate": "it makes the defaults the remake follows",
    "probe_targets": "a what-if tool: it changes nothing shipped",
    "benchmark_batch": "speed, not numbers (docs/performance.md)",
    "benchmark_day0": "speed, not numbers (docs/performance.md)",
    "compare_interventions": "the README's main job: its table and figure go to results/, not the docs",
    "remake": "this command",
    "validate": "the same command as painloop validate, which the step 'validate' runs",
}
"""Scripts of ``experiments/`` that the remake does not run, and why (a test checks every other
script is a step, so a new experiment is either remade or listed here)."""

MADE_ELSEWHERE = {
    "dashboard.png": "a screenshot of painloop dashboard (tests/test_dashboard_browser.py)",
    "site_api_simulate.png": "a screenshot of the documentation site",
    "site_home.png": "a screenshot of the documentation site",
    "ensemble_effects_quick50.png": "compare --quick --ensemble 50 on the first ensemble (39.5 min; kept as "
                                    "docs/uncertainty.md describes, replaced by the 200-draw run)",
    "probe_summary.png": "probe_targets.py --summarise of session 9's probes (docs/validation.md)",
    "posterior_pairs.png": "posterior_report",
    "sensitivity_morris.png": "sensitivity --docs",
    "sensitivity_sobol.png": "sensitivity --docs",
    "story_lesson_exercise.png": "lesson",
    "validation_targets.png": "validate",
    "validation_acute_course.png": "validate",
    "validation_age_sex.png": "validate",
    "validation_phq9_distribution.png": "validate",
}
"""Files of ``docs/figures`` no step copies: made by a step into the checkout itself, or by hand."""


def step_names(steps=STEPS) -> list[str]:
    """The names of ``steps``, in order (what ``--only`` and ``--from`` accept)."""
    return [s.name for s in steps]


def choose(steps, only: str | None = None, start: str | None = None) -> list[Step]:
    """The steps to run: all, ``only`` (comma-separated names), or from ``start`` on."""
    names = step_names(steps)
    for given in ([*only.split(",")] if only else []) + ([start] if start else []):
        if given not in names:
            raise InputError(f"unknown step {given!r}; the steps are: {', '.join(names)}")
    chosen = list(steps)
    if start:
        chosen = chosen[names.index(start):]
    if only:
        wanted = set(only.split(","))
        chosen = [s for s in chosen if s.name in wanted]
    return chosen


CODE_FOLDERS = ("sim", "experiments", "tests/golden")
"""What the steps run: the package, the scripts and the golden baseline's generator."""


def code_version(root: Path = ROOT) -> str:
    """The git trees of :data:`CODE_FOLDERS` at HEAD (``folder:tree``, comma-separated; a folder
    absent from HEAD is left out), with ``+dirty`` when any of them has uncommitted changes (a
    dirty run is never skipped on a rerun: its code cannot be named)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)

    trees = []
    for folder in CODE_FOLDERS:
        tree = git("rev-parse", f"HEAD:{folder}")
        if tree.returncode == 0:
            trees.append(f"{folder}:{tree.stdout.strip()[:12]}")
    if not trees:
        return "unknown+dirty"
    dirty = git("status", "--porcelain", "--", *CODE_FOLDERS).stdout.strip()
    return ",".join(trees) + ("+dirty" if dirty else "")


def command(step: Step, quick: bool, out: Path) -> list[str] | None:
    """The argv that runs ``step`` into ``out`` with this interpreter; ``None`` when the step has
    no quick version and ``quick`` is asked for."""
    args = step.quick if quick else step.full
    if args is None:
        return None
    return [sys.executable, *(a.replace("{out}", str(out)) for a in args)]


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _copy(source: Path, dest: Path) -> None:
    write_file(dest, lambda tmp: shutil.copyfile(source, tmp))


def results_folder(quick: bool, root: Path = ROOT) -> Path:
    """Where a remake writes unless told otherwise: ``results/remake``, or ``results/remake_quick``."""
    return root / "results" / ("remake_quick" if quick else "remake")


def remake(steps, *, quick: bool = False, restart: bool = False, root: Path = ROOT, results: Path | None = None,
           figures: Path | None = None, say=print) -> dict:
    """Run ``steps`` in order; returns the manifest. Raises :class:`InputError` at the first
    step that fails (the manifest records it first)."""
    results = Path(results or results_folder(quick, root))
    figures = Path(figures or root / "docs" / "figures")
    make_folder(results)
    manifest_path = results / "manifest.json"
    manifest = {} if restart else _load(manifest_path)
    version = code_version(root)
    runnable = [s for s in steps if command(s, quick, results / s.name) is not None]
    for skipped in (s for s in steps if s not in runnable):
        say(f"skip {skipped.name}: it writes into the checkout, so it has no small version")
    for k, step in enumerate(runnable, 1):
        out = results / step.name
        argv = command(step, quick, out)
        done = manifest.get(step.name, {})
        if (done.get("returncode") == 0 and done.get("argv") == argv[1:] and done.get("code") == version
                and not version.endswith("+dirty")):
            say(f"[{k}/{len(runnable)}] {step.name}: done already on this code ({done['seconds']:.0f} s); skipped")
            continue
        expected = f", {step.minutes:g} min last measured" if step.minutes and not quick else ""
        say(f"[{k}/{len(runnable)}] {step.name}: {' '.join(argv[1:])}{expected}")
        log = results / f"{step.name}.log"
        started = time.time()
        with open(log, "w", encoding="utf-8") as handle:
            code = subprocess.run(argv, cwd=root, stdout=handle, stderr=subprocess.STDOUT).returncode
        seconds = time.time() - started
        record = {"argv": argv[1:], "code": version, "returncode": code, "seconds": round(seconds, 1),
                  "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "copied": []}
        if code == 0 and not quick:
            for produced, name in step.copies.items():
                source = out / produced
                if not source.exists():
                    code = record["returncode"] = 1
                    record["missing"] = str(source)
                    break
                _copy(source, figures / name)
                record["copied"].append(f"docs/figures/{name}")
        manifest[step.name] = record
        write_text(manifest_path, json.dumps(manifest, indent=1))
        if code != 0:
            why = f"{record['missing']} was not written" if "missing" in record else f"exit status {code}"
            raise InputError(f"step {step.name} failed ({why}); its output is in {log}")
        say(f"    {step.name} done in {seconds / 60:.1f} min" + (f"; copied {', '.join(record['copied'])}"
                                                              if record["copied"] else ""))
    return manifest


def listing(steps=STEPS) -> str:
    """One entry per step: its full command, its last measured time, its quick command and the
    figures it copies into ``docs/figures``."""
    rows = []
    for s in steps:
        time_ = f"{s.minutes:g} min ({s.measured})" if s.minutes else "not measured on its own"
        rows.append(f"{s.name}: {' '.join(s.full)}\n    {time_}; quick: "
                    + (" ".join(s.quick) if s.quick else "none (writes into the checkout)")
                    + (f"; copies {', '.join(f'{a} -> docs/figures/{b}' for a, b in s.copies.items())}"
                       if s.copies else ""))
    return "\n".join(rows)


def run(argv=None) -> dict | None:
    """The command line of ``experiments/remake.py``."""
    parser = argparse.ArgumentParser(prog="experiments/remake.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="each step's small version into results/remake_quick (nothing copied into docs)")
    parser.add_argument("--only", metavar="A,B", help="only these steps (comma-separated)")
    parser.add_argument("--from", dest="start", metavar="STEP", help="this step and every one after it")
    parser.add_argument("--restart", action="store_true", help="run every chosen step, even those done already")
    parser.add_argument("--list", action="store_true", help="list the steps and stop")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where each step's output, log and the manifest go "
                             "(default results/remake, or results/remake_quick with --quick)")
    args = parser.parse_args(argv)
    steps = choose(STEPS, args.only, args.start)
    if args.list:
        print(listing(steps))
        return None
    started = time.time()
    results = args.out or results_folder(args.quick)
    manifest = remake(steps, quick=args.quick, restart=args.restart, results=results)
    print(f"remake finished in {(time.time() - started) / 60:.1f} min; manifest: {Path(results) / 'manifest.json'}")
    return manifest


__all__ = ["CODE_FOLDERS", "MADE_ELSEWHERE", "NOT_REMADE", "STEPS", "Step", "choose", "code_version", "main", "remake", "results_folder", "run"]
