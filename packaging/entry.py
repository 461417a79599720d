"""The bundle's entry point: the same command line as the installed `bitget-desktop` script."""

from bitget_desktop.cli import main

raise SystemExit(main())
