"""`python -m rnnmusic` runs the command line."""

from rnnmusic.cli.main import main

raise SystemExit(main())
