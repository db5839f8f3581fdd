"""A headless command builds only its own parser; --help still lists every command (#12)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tuiftune.cli import COMMANDS, build_parser

REPO = Path(__file__).resolve().parents[1]


def test_lint_loads_no_other_commands_module(tmp_path: Path) -> None:
    data = tmp_path / "one.jsonl"
    data.write_text(
        '{"messages": [{"role": "user", "content": "hi"}, '
        '{"role": "assistant", "content": "hello"}]}\n',
        encoding="utf-8",
    )
    probe = (
        "import sys, json\nfrom tuiftune.cli import main\n"
        f"code = main(['lint', {str(data)!r}])\n"
        "print(json.dumps([code, sorted(sys.modules)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    code, loaded = json.loads(out.splitlines()[-1])
    assert code in (0, 1)  # it linted (1: warnings found)
    others = {"tuiftune.commands.eval", "tuiftune.commands.jobs", "tuiftune.wiring"}
    assert not others & set(loaded), others & set(loaded)


def test_the_full_parser_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    listed = capsys.readouterr().out
    assert all(name in listed for name in COMMANDS)
    for name in COMMANDS:  # and each command's own parser has it (and only its module's)
        assert name in build_parser(name).format_help()
    assert "    eval " not in build_parser("lint").format_help()
    assert "    eval " in build_parser().format_help()
