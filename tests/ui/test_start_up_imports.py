"""What the TUI's start-up loads and does before its first frame (#12: start-up near a bare one)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.screen import DatasetScreen
from tuiftune.ui.theme import THEME, WARNING

REPO = Path(__file__).resolve().parents[2]

# Loaded on first use, never on the way to the first frame: the other areas, the providers,
# the profile's modules (pydantic) and the editor's tools that no first frame shows.
NOT_AT_START = (
    "tuiftune.ui.jobs",
    "tuiftune.ui.playground",
    "tuiftune.ui.eval",
    "tuiftune.ui.nearest",
    "tuiftune.service.providers",
    "tuiftune.service.client",
    "tuiftune.server",
    "tuiftune.config",
    "tuiftune.evaluation",
    "tuiftune.dataset.convert",
    "tuiftune.ui.dataset.edit_structured",
    "tuiftune.ui.dataset.edit_record",
    "textual.widgets._text_area",
    "pydantic",
    "httpx2",
    "openai",
    "numpy",
    "tiktoken",
)


def _modules_after(code: str) -> list[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    loaded: list[str] = json.loads(out.splitlines()[-1])
    return loaded


def test_the_tui_start_up_loads_no_other_area_nor_provider() -> None:
    loaded = _modules_after(
        "import tuiftune.cli, tuiftune.wiring, tuiftune.ui.app\n"
        "tuiftune.cli.build_app_parser().parse_args(['x.jsonl'])"
    )
    early = [m for m in loaded if any(m == p or m.startswith(p + ".") for p in NOT_AT_START)]
    assert early == [], early
    assert "tuiftune.ui.dataset.screen" in loaded  # the probe did import the app


def test_the_editors_style_sheet_comes_with_the_apps() -> None:
    # Read with the app's own: loaded with the screen, Textual parsed every sheet again.
    paths = [str(p) for p in TuiftuneApp.CSS_PATH]
    assert str(DatasetScreen.CSS_PATH) in paths and all(Path(p).is_file() for p in paths)


async def test_the_theme_is_set_before_the_first_frame() -> None:
    app = TuiftuneApp(Services("TEST"))
    assert app.theme == THEME.name  # set in __init__, before any style sheet is parsed
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.current_theme.warning == WARNING
        assert app.stylesheet.has_source(str(DatasetScreen.CSS_PATH))
        assert app.has_class(f"-theme-{THEME.name}")


class _Painted(TuiftuneApp):
    frozen_while_running = 0

    def on_mount(self) -> None:
        super().on_mount()
        self.frozen_while_running = gc.get_freeze_count()
        self.call_after_refresh(self.exit, "painted")


def test_running_the_app_freezes_what_start_up_loaded() -> None:
    before = gc.get_freeze_count()
    app = _Painted(Services("TEST"))
    assert app.run(headless=True, size=(80, 24)) == "painted"  # the exit value comes back
    assert app.frozen_while_running > before  # the modules: no longer walked by the collector
    assert gc.get_freeze_count() == before  # and back to the collector after the run


class _CountsReparses(_Painted):
    reparses = 0
    first_screen: tuple[str, object] | None = None

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        reparse = self.stylesheet.reparse

        def counted() -> None:
            self.reparses += 1
            reparse()

        self.stylesheet.reparse = counted  # type: ignore[method-assign]

    def on_mount(self) -> None:
        super().on_mount()
        self.first_screen = (self.current_mode, self.screen)


def test_the_first_frame_parses_the_style_sheets_again_only_once() -> None:
    # Each reparse parses every sheet from scratch (~11 ms) and restyles every node. The theme
    # set in __init__ costs one; switching to the dataset mode in on_mount cost two more.
    app = _CountsReparses(Services("TEST"))
    assert app.run(headless=True, size=(80, 24)) == "painted"
    assert app.first_screen is not None
    mode, screen = app.first_screen
    assert mode == "dataset" and isinstance(screen, DatasetScreen)
    assert app.reparses <= 2, app.reparses
