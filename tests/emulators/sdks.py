"""The providers' official SDKs, made importable for the contract tests only.

The SDKs (Together's, Fireworks' and Azure's ARM models) are the contract: the emulators
build and check every body with their models. They cannot live in the project's environment:
``together`` and ``fireworks-ai`` pin ``rich<15`` (Textual's renderer is newer) and bring the
original ``httpx`` plus aiohttp. So they are installed once, pinned and without their
dependencies, into a cache folder that is
appended to ``sys.path`` (so it never shadows a package of the environment).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The SDKs, and the few small packages they import that the environment lacks.
PINS = (
    "together==3.1.1",
    "fireworks-ai==1.2.30",
    "httpx==0.28.1",
    "httpcore==1.0.9",
    "distro==1.9.0",
    "detect-agent==0.6.0",
    "azure-mgmt-cognitiveservices==14.1.0",
    "azure-mgmt-core==1.6.0",
    "azure-core==1.41.0",
    "isodate==0.7.2",
)
MODULES = ("together", "fireworks", "azure.mgmt.cognitiveservices.models")
ENV_DIR = "TUIFTUNE_TEST_SDKS"


def _cache_dir() -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256("\n".join(PINS).encode()).hexdigest()[:12]
    return base / "tuiftune-tests" / f"sdks-{digest}"


def _install(target: Path) -> str | None:
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(tmp)]
    try:
        done = subprocess.run(
            [*cmd, *PINS], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if done.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        return (done.stderr.strip().splitlines() or ["pip failed"])[-1]
    (tmp / ".complete").write_text("\n".join(PINS))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)
    return None


def require_sdks() -> None:
    """Make the SDKs importable, or skip the calling test with a reason."""
    try:
        for name in MODULES:
            importlib.import_module(name)
        return
    except ImportError:
        pass
    target = _cache_dir()
    if not (target / ".complete").is_file():
        problem = _install(target)
        if problem is not None:
            pytest.skip(f"the providers' SDKs could not be installed into {target}: {problem}")
    if str(target) not in sys.path:
        sys.path.append(str(target))
    importlib.invalidate_caches()
