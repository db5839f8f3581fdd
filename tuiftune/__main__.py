"""Allow ``python -m tuiftune``."""

from tuiftune.cli import main

raise SystemExit(main())
