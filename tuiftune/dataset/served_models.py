"""Find, on this machine, the tokenizer of a model a server lists by a short name.

A ``tuiftune serve --trainer local`` server names each base model by its folder's (or cached
id's) last part (``smollm2-135m``); the client can count exactly with that model's tokenizer
only if the same files are here. Looked in, in order: the name itself as a folder or Hugging
Face id; the folders a profile lists (``options.model_folders``: a model folder of that name, or
a folder holding it); the local Hugging Face cache, a repo whose name is the model's. Blocking
(file system): call it off the UI thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from tuiftune.dataset.hf_tokens import _hub_cache, find_model


def folders_option(value: str | None) -> list[Path]:
    """``options.model_folders`` (separated like PATH) as folders."""
    return [Path(p).expanduser() for p in (value or "").split(os.pathsep) if p.strip()]


def _tokenizer_folder(path: Path) -> Path | None:
    return path if (path / "tokenizer.json").is_file() else None


def local_tokenizer(name: str, folders: Iterable[Path] = ()) -> Path | None:
    """The folder whose ``tokenizer.json`` counts for ``name``, or None when none is here."""
    name = name.strip()
    if not name or name.startswith("ft:"):
        return None
    found = find_model(name)
    if found is not None:
        return found
    for folder in folders:
        hit = _tokenizer_folder(folder) if folder.name == name else None
        hit = hit or _tokenizer_folder(folder / name)
        if hit is not None:
            return hit
    hub = _hub_cache()
    if not hub.is_dir():
        return None
    wanted = name.lower()
    for repo in sorted(hub.glob("models--*")):
        if repo.name.rsplit("--", 1)[-1].lower() != wanted:
            continue
        snapshots = sorted((repo / "snapshots").glob("*/tokenizer.json"))
        if snapshots:
            return snapshots[-1].parent
    return None
