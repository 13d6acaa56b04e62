"""``python -m sim ARGS`` is ``painloop ARGS`` (so a script can run the command line with the
interpreter it runs under, whatever is on PATH)."""

from sim.cli import main

raise SystemExit(main())
