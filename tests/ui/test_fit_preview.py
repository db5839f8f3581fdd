"""fit_preview's short cut (measuring only the part that can show) cuts exactly as the whole."""

from __future__ import annotations

import pytest
from rich.cells import cell_len, set_cell_size

from tests.conftest import SHARED
from tuiftune.dataset.preview import preview_of
from tuiftune.ui.dataset.record_list import fit_preview

DATASETS = SHARED / "datasets"


def measured_whole(preview: str, room: int) -> str:
    """fit_preview as it was: every cell of the preview measured."""
    if cell_len(preview) <= room:
        return set_cell_size(preview, room)
    head, arrow, tail = preview.rpartition(" → ")
    width = cell_len(tail)
    if arrow and 0 < width <= room // 3:
        cut = set_cell_size(head, room - width - 4).rstrip()
        return set_cell_size(cut + "… → " + tail, room)
    return set_cell_size(preview, room)


def real_previews() -> list[str]:
    previews = []
    for path in sorted(DATASETS.glob("*.jsonl")):
        with path.open("rb") as f:
            for i, line in enumerate(f):
                if i >= 60:
                    break
                previews.append(preview_of(line.rstrip(b"\r\n"))[0])
    return previews


HOSTILE = [
    "漢字" * 120 + " → 是",  # wide cells: a cut can fall inside a character
    "e\u0301" * 300 + " → ok",  # combining marks: zero-width code points
    "👨\u200d👩\u200d👧" * 90,  # ZWJ sequences: one grapheme of many code points
    "a" * 79 + "❤\ufe0f" * 40,  # VS16 widens the heart at the cut
    "x → " + "\u200b" * 500 + "tail",  # zero-width spaces: many characters, few cells
    "short → 😀",
    "",
    " → ",
]


@pytest.mark.parametrize("room", [0, 1, 2, 3, 7, 20, 33, 50, 79, 90, 118])
def test_the_cut_equals_measuring_the_whole_preview(room: int) -> None:
    if not DATASETS.is_dir():
        pytest.skip(f"{DATASETS} is absent: the real datasets live in ../shared/datasets")
    previews = real_previews()
    assert len(previews) > 300 and any(not p.isascii() for p in previews)
    # The first prefix measured ends on a heart that the next code point (VS16) widens.
    widened = "\u200b" * 8 + "a" * max(room - 1, 0) + "❤\ufe0f" + "zzz"
    for preview in [*previews, *HOSTILE, widened]:
        assert fit_preview(preview, room) == measured_whole(preview, room), (room, preview[:60])
