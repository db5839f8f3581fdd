"""App-level messages: how one area hands something to another without touching its state.

An area posts a request (``OpenModel``, ``OpenRecord``, ``CompareJobs``,
``DatasetFileChanged``); it bubbles to the app, which switches mode and hands the target
screen its own non-bubbling message (``ModelOpened``, ``RecordOpened``, ``JobsToCompare``).
Screens never set attributes on the app or reach into Textual's screen stacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


@dataclass
class OpenModel(Message):
    """Open ``model`` in the Playground (posted by Jobs, Eval)."""

    model: str


@dataclass
class ModelOpened(Message, bubble=False):
    """To the Playground screen: put ``model`` in the first slot."""

    model: str


@dataclass
class OpenRecord(Message):
    """Open ``path`` in the dataset editor, at 1-based ``line`` when given (posted by Eval's
    failures, the Jobs error line)."""

    path: Path
    line: int | None = None


@dataclass
class RecordOpened(Message, bubble=False):
    """To the Dataset screen: open ``path`` and go to ``line``."""

    path: Path
    line: int | None = None


@dataclass
class DatasetFileChanged(Message):
    """The dataset editor opened or saved-as another file (other areas offer it as a default)."""

    path: Path | None


@dataclass
class CompareJobs(Message):
    """Compare the models of ``old_job`` and ``new_job`` in Eval (posted by the editor's "train
    again with these edits"); the app hands it on when the Eval area is next shown."""

    old_job: str
    new_job: str


@dataclass
class JobsToCompare(Message, bubble=False):
    """To the Eval screen: set A and B to the two jobs' models once both have one."""

    old_job: str
    new_job: str
