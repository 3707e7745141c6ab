"""Command line: ``python -m bot COMMAND``. See ``python -m bot --help``."""
from tools.cli import main

raise SystemExit(main())
