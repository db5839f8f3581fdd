"""Test sets: a linted JSONL file turned into prompts and references.

- chat: the messages before the last assistant message are the prompt; its text is the reference.
- legacy: the prompt string (with the file's separator appended when missing) and the completion
  (its stop sequence removed) as the reference.
- preference (DPO): ``input.messages`` is the prompt; the preferred output is the reference.

Records the linter marks with an error, or that have no text reference, are skipped with a
reason; nothing is skipped silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tuiftune.dataset import LintReport, Severity, lint_file
from tuiftune.dataset.formats import Format, detect
from tuiftune.dataset.options import LintOptions
from tuiftune.dataset.record import parse
from tuiftune.evaluation.classification import detect_labels

SUPPORTED = (Format.CHAT, Format.LEGACY, Format.DPO)
# Keys of a chat message that the API accepts; ``weight`` and friends are training-only.
_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")


@dataclass(frozen=True)
class EvalExample:
    """One test example: its position in the file, what to send, and what to expect."""

    index: int  # 0-based record position in the file (line - 1)
    reference: str
    messages: tuple[dict[str, Any], ...] | None = None  # chat and DPO
    prompt: str | None = None  # legacy

    @property
    def line(self) -> int:
        """1-based line in the test file."""
        return self.index + 1

    @property
    def key(self) -> str:
        """A short fingerprint of prompt and reference, to notice a changed file on resume."""
        payload = json.dumps(
            [list(self.messages) if self.messages is not None else self.prompt, self.reference],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def prompt_text(self) -> str:
        """The prompt as plain text (for a judge and for reports)."""
        if self.prompt is not None:
            return self.prompt
        return "\n".join(
            f"{m.get('role')}: {content_text(m.get('content'))}" for m in self.messages or ()
        )


@dataclass(frozen=True)
class Skipped:
    """A record that is not evaluated, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class TestSet:
    """The examples of a test file and what the linter found out about it."""

    path: str
    format: Format
    examples: tuple[EvalExample, ...]
    skipped: tuple[Skipped, ...] = ()
    separator: str | None = None
    stop: str | None = None
    labels: tuple[str, ...] | None = None
    file_notes: tuple[str, ...] = field(default_factory=tuple)

    __test__ = False  # not a pytest test class, despite the name

    @property
    def chat(self) -> bool:
        """Whether the examples go to chat completions (else legacy completions)."""
        return self.format is not Format.LEGACY

    def by_index(self) -> dict[int, EvalExample]:
        """Examples keyed by index."""
        return {ex.index: ex for ex in self.examples}


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def _api_message(message: Mapping[str, Any]) -> dict[str, Any]:
    return {k: message[k] for k in _MESSAGE_KEYS if k in message}


def _from_chat(value: dict[str, Any]) -> tuple[tuple[dict[str, Any], ...], str] | str:
    messages = value.get("messages")
    if not isinstance(messages, list):
        return "no messages list"
    last = max(
        (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"),
        default=None,
    )
    if last is None:
        return "no assistant message to use as the reference"
    reference = content_text(messages[last].get("content"))
    if not reference:
        return "the last assistant message has no text (tool calls are not scored)"
    prompt = tuple(_api_message(m) for m in messages[:last] if isinstance(m, dict))
    if not prompt:
        return "nothing before the reference assistant message to prompt with"
    return prompt, reference


def _from_dpo(value: dict[str, Any]) -> tuple[tuple[dict[str, Any], ...], str] | str:
    source = value.get("input")
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list) or not messages:
        return "no input.messages to prompt with"
    preferred = value.get("preferred_output", value.get("preferred_completion"))
    if isinstance(preferred, list) and preferred and isinstance(preferred[0], dict):
        reference = content_text(preferred[0].get("content"))
    else:
        reference = ""
    if not reference:
        return "no text in preferred_output to use as the reference"
    return tuple(_api_message(m) for m in messages if isinstance(m, dict)), reference


def _from_legacy(
    value: dict[str, Any], separator: str | None, stop: str | None
) -> tuple[str, str] | str:
    prompt, completion = value.get("prompt"), value.get("completion")
    if not isinstance(prompt, str) or not isinstance(completion, str):
        return "prompt and completion must both be strings"
    if separator and not prompt.endswith(separator):
        prompt += separator
    if stop and completion.endswith(stop):
        completion = completion[: -len(stop)]
    if not completion.strip():
        return "empty completion: nothing to compare with"
    return prompt, completion


def build_test_set(report: LintReport) -> TestSet:
    """Examples from a linted document (``report.linter`` must be set)."""
    linter = report.linter
    if linter is None:
        raise ValueError("the lint report has no linter attached")
    doc = linter.doc
    fmt = linter.main_format
    consensus = linter.consensus
    separator, stop = consensus.separator, consensus.stop
    errors: dict[int, str] = {}
    notes: list[str] = []
    for finding in report.findings:
        if finding.line == 0:
            # File-level rules (too few examples, label balance) are about training data.
            continue
        if finding.severity is Severity.ERROR:
            errors.setdefault(finding.line, f"lint error {finding.rule}: {finding.message}")
    examples: list[EvalExample] = []
    skipped: list[Skipped] = []
    if fmt not in SUPPORTED:
        notes.append(f"{fmt.value} files cannot be evaluated (chat, legacy or preference only)")
    for pos in range(len(doc)):
        line = pos + 1
        value, problem, _ = parse(doc.raw_at(pos))
        if problem is not None or value is None:
            if doc.raw_at(pos).strip():
                skipped.append(Skipped(line, errors.get(line, "not valid JSON")))
            continue
        if line in errors:
            skipped.append(Skipped(line, errors[line]))
            continue
        kind = detect(value)
        if kind is not fmt or fmt not in SUPPORTED:
            skipped.append(Skipped(line, f"a {kind.value} record in a {fmt.value} test set"))
            continue
        if fmt is Format.LEGACY:
            legacy = _from_legacy(value, separator, stop)
            got: EvalExample | str = (
                legacy if isinstance(legacy, str) else EvalExample(pos, legacy[1], prompt=legacy[0])
            )
        else:
            chat = _from_dpo(value) if fmt is Format.DPO else _from_chat(value)
            got = chat if isinstance(chat, str) else EvalExample(pos, chat[1], messages=chat[0])
        if isinstance(got, str):
            skipped.append(Skipped(line, got))
        else:
            examples.append(got)
    labels = detect_labels([ex.reference for ex in examples])
    return TestSet(
        path=str(doc.path or report.path),
        format=fmt,
        examples=tuple(examples),
        skipped=tuple(skipped),
        separator=separator if fmt is Format.LEGACY else None,
        stop=stop if fmt is Format.LEGACY else None,
        labels=labels,
        file_notes=tuple(notes),
    )


async def load_test_set(path: str | Path, options: LintOptions | None = None) -> TestSet:
    """Load, lint (in the lint worker thread) and extract the examples of a test file."""
    # Only the findings matter here, and they are the same with byte bounds for tokens: most
    # test sets never build a tokenizer (0.2-0.4 s of a cold eval, holding the GIL).
    bounded = replace(options, exact_tokens=False) if options else LintOptions(exact_tokens=False)
    report = await lint_file(path, bounded)
    return build_test_set(report)


def example_from_parts(
    index: int,
    reference: str,
    *,
    messages: Sequence[Mapping[str, Any]] | None = None,
    prompt: str | None = None,
) -> EvalExample:
    """Build an example directly (for callers that assemble test sets in memory)."""
    return EvalExample(
        index,
        reference,
        tuple(dict(m) for m in messages) if messages is not None else None,
        prompt,
    )
