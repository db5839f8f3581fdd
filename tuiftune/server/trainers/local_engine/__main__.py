"""``python -m tuiftune.server.trainers.local_engine train --config RUN_DIR/config.json``."""

from __future__ import annotations

import os
import sys
import warnings

from tuiftune.server.trainers.local_engine.run import main

if __name__ == "__main__":
    # stderr is what the server shows when a run dies: keep the libraries' progress bars and
    # deprecation notices out of it (progress.jsonl carries the progress).
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    warnings.filterwarnings("ignore", category=FutureWarning)
    sys.exit(main(sys.argv[1:]))
