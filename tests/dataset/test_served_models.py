"""Finding a served model's tokenizer on this machine by the short name a server lists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tuiftune.dataset.served_models import folders_option, local_tokenizer


def _tokenizer(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text("{}")
    return folder


def test_found_by_folder_option_then_cache_else_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    models = tmp_path / "models"
    smol = _tokenizer(models / "smollm2-135m")
    direct = _tokenizer(tmp_path / "elsewhere" / "qwen-0.5b")
    cached = _tokenizer(tmp_path / "hub" / "models--Org--Tiny-Chat" / "snapshots" / "s1")
    folders = folders_option(f"{models}{os.pathsep}{direct}{os.pathsep}")
    assert folders == [models, direct]
    assert local_tokenizer("smollm2-135m", folders) == smol  # a folder holding it
    assert local_tokenizer("qwen-0.5b", folders) == direct  # the folder itself
    assert local_tokenizer("tiny-chat", folders) == cached  # the cache, by the repo's name
    assert local_tokenizer(str(smol)) == smol  # a path is itself
    assert local_tokenizer("gpt-4o-mini-2024-07-18", folders) is None
    assert local_tokenizer("ft:smollm2-135m:local:x:1", folders) is None
    assert local_tokenizer("", folders) is None
