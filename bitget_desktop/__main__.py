"""`python -m bitget_desktop` runs the command line."""

from bitget_desktop.cli import main

raise SystemExit(main())
