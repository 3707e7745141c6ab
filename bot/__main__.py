"""Command line: ``python -m bot COMMAND``. See ``python -m bot --help``."""
from bot.cli import main

raise SystemExit(main())
