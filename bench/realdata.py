"""Benchmark files built from real rows of ``../shared/datasets/`` (never synthetic text).

The real chat files hold about 4,000 distinct conversations; a 100k or 1M-example file needs
more. Each example here is a real conversation's system, user and assistant messages taken
from three different real rows (chosen by a seeded generator), so every string is real text,
the size and token mix are the real ones, and examples rarely repeat exactly. Files are built
once in /tmp (the shared folder is read-only and the project must not hold copies).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
OUT = Path("/tmp/tuiftune-bench")
SOURCES = (
    "flaky-tests-chat-large.jsonl",
    "blogchat-system-key.jsonl",
    "autograding-duplicates.jsonl",
    "openai-cookbook-toy-chat.jsonl",
    "blogchat-long-conversations.jsonl",
)
MAX_CHARS = 4000  # one 127k-char conversation would otherwise dominate the mix


def _pools() -> tuple[list[str], list[str], list[str]]:
    """Distinct real system prompts, user turns and assistant turns."""
    systems: dict[str, None] = {}
    users: dict[str, None] = {}
    answers: dict[str, None] = {}
    for name in SOURCES:
        for line in (SHARED / name).read_text(encoding="utf-8-sig").splitlines():
            row: dict[str, Any] = json.loads(line)
            if isinstance(row.get("system"), str):
                systems[row["system"]] = None
            for message in row.get("messages", []):
                text = message.get("content")
                if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
                    continue
                pool = {"system": systems, "user": users, "assistant": answers}.get(
                    message.get("role")
                )
                if pool is not None:
                    pool[text] = None
    return list(systems), list(users), list(answers)


def real_chat_file(examples: int, seed: int = 1) -> Path:
    """A chat SFT file of ``examples`` lines recombined from real rows (built once)."""
    path = OUT / f"real-chat-{examples}-s{seed}.jsonl"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    systems, users, answers = _pools()
    rng = random.Random(seed)
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for _ in range(examples):
            messages = [
                {"role": "system", "content": rng.choice(systems)},
                {"role": "user", "content": rng.choice(users)},
                {"role": "assistant", "content": rng.choice(answers)},
            ]
            fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


def real_head(examples: int) -> Path:
    """The first ``examples`` distinct lines of the large real file, as they are."""
    path = OUT / f"real-head-{examples}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        text = (SHARED / SOURCES[0]).read_text(encoding="utf-8")
        lines = list(dict.fromkeys(text.splitlines()))[:examples]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compiled_like_an_install() -> str:
    """Let the child processes keep compiled bytecode, as an installed tuiftune has it.

    With ``PYTHONDONTWRITEBYTECODE`` set (this sandbox sets it) every fresh process compiled
    tuiftune from source: 342 M instructions, ~15% of a cold start that no user's install
    pays. Both sides of each ratio run with the same setting.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return f"bytecode cached in {OUT / 'pycache'} (as an install has it)"
