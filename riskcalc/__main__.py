"""`python -m riskcalc`: the same command line as the `riskcalc` script."""

from riskcalc.cli import main

raise SystemExit(main())
