"""A job's held-out test set: its absolute path on this machine, kept in the job's metadata so
that whoever watches the job (``tuiftune eval``, the Eval area) can score each checkpoint on it
as it lands. Metadata is the one place every provider keeps for us; the file stays local."""

from __future__ import annotations

from pathlib import Path

TEST_FILE_KEY = "tuiftune_test_file"
MAX_VALUE = 512
"""OpenAI's limit on a metadata value."""


def with_test_file(metadata: dict[str, str] | None, path: Path) -> dict[str, str]:
    """``metadata`` with the test set's absolute path added; raises ValueError naming the
    problem (not a file, a path longer than a metadata value, another path already there)."""
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise ValueError(f"test file {path}: no such file")
    value = str(resolved)
    if len(value) > MAX_VALUE:
        raise ValueError(
            f"test file {path}: its absolute path has {len(value)} characters; metadata values "
            f"hold at most {MAX_VALUE}"
        )
    out = dict(metadata or {})
    if out.get(TEST_FILE_KEY, value) != value:
        raise ValueError(
            f"metadata {TEST_FILE_KEY}={out[TEST_FILE_KEY]} disagrees with the test file {value}"
        )
    out[TEST_FILE_KEY] = value
    return out


def named_test_file(metadata: dict[str, str] | None) -> Path | None:
    """The test set a job names in its metadata, or None."""
    value = (metadata or {}).get(TEST_FILE_KEY)
    return Path(value) if value else None
