"""``python -m sim ARGS`` is ``painloop ARGS`` (so a script can run the command line with the
interpreter it runs under, whatever is on PATH)."""

from sim.cli import main

if __name__ == "__main__":  # importing the package's modules (the API docs, tests) must not run it
    raise SystemExit(main())
