"""torch stays out of every start-up path but training: the CLI, plain serve, and even the local
trainer's server side until it generates (its engine runs in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
import tuiftune.cli
from tuiftune.cli import build_parser
from tuiftune.server import ServerOptions, create_app
from tuiftune.server import command
loaded = {"cli": "torch" in sys.modules}
create_app(ServerOptions())
loaded["serve"] = "torch" in sys.modules
args = build_parser().parse_args(["serve", "--trainer", "local", "--base-model", sys.argv[1]])
create_app(ServerOptions(), command._local_trainer(args))
loaded["serve --trainer local"] = "torch" in sys.modules or "transformers" in sys.modules
print(loaded)
"""


def test_no_torch_at_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == str(
        {"cli": False, "serve": False, "serve --trainer local": False}
    ), out.stderr


def test_serve_local_refuses_a_missing_model_in_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tuiftune",
            "serve",
            "--trainer",
            "local",
            "--base-model",
            str(tmp_path / "nope"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"tuiftune serve: {tmp_path / 'nope'}: no such model folder, and not in the local "
        "Hugging Face cache (nothing is downloaded)"
    ]
