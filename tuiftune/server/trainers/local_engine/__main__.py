"""``python -m tuiftune.server.trainers.local_engine train --config RUN_DIR/config.json``."""

from __future__ import annotations

import sys

from tuiftune.server.trainers.local_engine.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
