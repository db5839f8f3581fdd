"""Training files -> token ids with loss labels, through the model's own chat template.

Assistant spans are found by rendering prefixes of the conversation (up to the generation prompt,
and up to the end of the turn) and mapping their character ranges onto the tokens of the whole
rendering. That needs no ``{% generation %}`` markers, so it works for any template; when a
template renders a prefix differently from the whole (some drop earlier reasoning), the turn's
content is searched for instead and counted as a fallback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuiftune.server.trainers.local_engine.chat import (
    Message,
    inline_tools,
    normalize,
    template_takes_tools,
)
from tuiftune.server.trainers.local_engine.config import RunError

IGNORE = -100


@dataclass
class Sequence:
    """One tokenized sequence; ``labels`` is ``IGNORE`` where no loss is taken."""

    input_ids: list[int]
    labels: list[int]


@dataclass
class Example:
    """A supervised example (``chosen`` only) or a DPO pair (``chosen`` and ``rejected``)."""

    chosen: Sequence
    rejected: Sequence | None = None
    line: int = 0  # 1-based line in the data file (per-example losses name it)

    @property
    def tokens(self) -> int:
        """Tokens the model reads for this example."""
        extra = len(self.rejected.input_ids) if self.rejected else 0
        return len(self.chosen.input_ids) + extra


@dataclass
class DataStats:
    """What tokenizing a file found (reported in the ``tokenized`` event)."""

    examples: int = 0
    tokens: int = 0
    truncated: int = 0
    skipped: int = 0
    mask_fallbacks: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        """Count one example left out, with why."""
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


class Renderer:
    """Renders conversations with a tokenizer's chat template and tokenizes them with offsets."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.template = getattr(tokenizer, "chat_template", None)
        self.takes_tools = template_takes_tools(self.template)

    def conversation(
        self, messages: list[Message], tools: list[Any] | None
    ) -> tuple[list[Message], list[Any] | None]:
        """What the template gets: tools stated in the system message when it ignores them."""
        if not self.template:
            raise RunError("the model has no chat template: train it on prompt/completion data")
        if tools and not self.takes_tools:
            return inline_tools(messages, tools), None
        return messages, tools or None

    def render(
        self, conversation: list[Message], tools: list[Any] | None, generation_prompt: bool
    ) -> str:
        """The template's text for ``conversation``."""
        kwargs = {"tools": tools} if tools else {}
        text = self.tokenizer.apply_chat_template(
            conversation, tokenize=False, add_generation_prompt=generation_prompt, **kwargs
        )
        return str(text)

    def encode(self, text: str, specials: bool = False) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids of ``text`` and each token's character range."""
        enc = self.tokenizer(text, add_special_tokens=specials, return_offsets_mapping=True)
        return list(enc["input_ids"]), [(int(a), int(b)) for a, b in enc["offset_mapping"]]


def _labels(
    ids: list[int], offsets: list[tuple[int, int]], spans: list[tuple[int, int]]
) -> list[int]:
    """Label every token overlapping one of the character ``spans``."""
    labels = [IGNORE] * len(ids)
    for index, (start, end) in enumerate(offsets):
        hi = max(end, start + 1)  # added tokens may report an empty range
        if any(start < b and hi > a for a, b in spans):
            labels[index] = ids[index]
    return labels


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of two strings."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _fallback_span(
    renderer: Renderer, full: str, end_text: str, message: Message, cursor: int
) -> tuple[int, int] | None:
    """Where a turn is when its prefix renders unlike the whole (e.g. the generation prompt is not
    a prefix of the turn, or earlier turns render differently once later ones exist): the content
    found in the whole text, through the end of the turn or the EOS token that follows it."""
    content = message["content"] or json.dumps(message.get("tool_calls", ""))
    at = full.find(content, cursor) if content else -1
    if at < 0:
        return None
    end = at + len(content)
    if full.startswith(end_text) and len(end_text) > end:
        return at, len(end_text)  # the turn's own rendering ends here (its end-of-turn marker)
    eos = getattr(renderer.tokenizer, "eos_token", None)
    if isinstance(eos, str) and eos and full.startswith(eos, end):
        end += len(eos)
    return at, end


def chat_sequence(
    renderer: Renderer,
    messages: list[Message],
    weights: list[bool],
    tools: list[Any] | None,
    stats: DataStats,
) -> Sequence:
    """The whole conversation's tokens, labelled on assistant turns whose weight is not 0."""
    conversation, tools = renderer.conversation(messages, tools)
    shift = len(conversation) - len(messages)  # a system message put in front for the tools
    full = renderer.render(conversation, tools, False)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start_text = renderer.render(conversation[: index + shift], tools, True)
        end_text = renderer.render(conversation[: index + shift + 1], tools, False)
        if full.startswith(end_text) and end_text.startswith(start_text):
            span = (len(start_text), len(end_text))
        else:
            # The text before the turn mostly renders alike: search the content after it.
            after = max(cursor, _common_prefix(start_text, full))
            found = _fallback_span(renderer, full, end_text, message, after)
            stats.mask_fallbacks += 1
            if found is None:
                continue
            span = found
        cursor = span[1]
        if weights[index]:
            spans.append(span)
    ids, offsets = renderer.encode(full)
    return Sequence(ids, _labels(ids, offsets, spans))


def _weights(raw: list[Any], where: str) -> list[bool]:
    out = []
    for index, message in enumerate(raw):
        weight = message.get("weight", 1) if isinstance(message, dict) else 1
        if weight not in (0, 1) or isinstance(weight, bool):
            raise RunError(f"{where}: messages[{index}].weight must be 0 or 1")
        out.append(weight == 1)
    return out


def _tools(record: dict[str, Any], where: str) -> list[Any] | None:
    tools = record.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise RunError(f"{where}: field 'tools' must be a list")
    return tools


def _output(record: dict[str, Any], key: str, alt: str, where: str) -> Message:
    value = record.get(key, record.get(alt))
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        raise RunError(f"{where}: field '{key}' must be a list of one assistant message")
    message = normalize(value, f"{where}: {key}")[0]
    if message["role"] != "assistant":
        raise RunError(f"{where}: {key}[0].role must be 'assistant'")
    return message


def dpo_pair(renderer: Renderer, record: dict[str, Any], where: str, stats: DataStats) -> Example:
    """The prompt with the preferred, then the non-preferred answer, labelled on the answer."""
    source = record.get("input")
    if not isinstance(source, dict):
        raise RunError(f"{where}: field 'input' must be an object with 'messages'")
    messages = normalize(source.get("messages"), f"{where}: input")
    tools = _tools(source, f"{where}: input")
    pair = []
    for key, alt in (
        ("preferred_output", "preferred_completion"),
        ("non_preferred_output", "non_preferred_completion"),
    ):
        answer = _output(record, key, alt, where)
        weights = [False] * len(messages) + [True]
        pair.append(chat_sequence(renderer, [*messages, answer], weights, tools, stats))
    return Example(pair[0], pair[1])


def legacy_sequence(renderer: Renderer, record: dict[str, Any], where: str) -> Sequence:
    """``prompt`` + ``completion`` + EOS, labelled on the completion and the EOS."""
    prompt, completion = record.get("prompt"), record.get("completion")
    if not isinstance(prompt, str):
        raise RunError(f"{where}: field 'prompt' must be a string")
    if not isinstance(completion, str):
        raise RunError(f"{where}: field 'completion' must be a string")
    ids, offsets = renderer.encode(prompt + completion, specials=True)
    labels = _labels(ids, offsets, [(len(prompt), len(prompt) + len(completion))])
    eos = renderer.tokenizer.eos_token_id
    if eos is not None:
        ids, labels = [*ids, eos], [*labels, eos]
    return Sequence(ids, labels)


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line raises naming file and line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise RunError(f"{path}: cannot read ({exc.strerror})") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RunError(f"{path}: line {number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise RunError(f"{path}: line {number}: expected a JSON object")
            yield number, record


def _truncate(seq: Sequence, limit: int) -> tuple[Sequence, bool]:
    if len(seq.input_ids) <= limit:
        return seq, False
    return Sequence(seq.input_ids[:limit], seq.labels[:limit]), True


def _trainable(seq: Sequence) -> bool:
    return any(label != IGNORE for label in seq.labels[1:])


def load_examples(
    path: Path, method: str, tokenizer: Any, max_seq_len: int
) -> tuple[list[Example], DataStats]:
    """Tokenize every record of ``path`` for ``method``; too-long ones are cut from the end."""
    renderer = Renderer(tokenizer)
    stats = DataStats()
    examples: list[Example] = []
    for number, record in read_records(path):
        where = f"{path}: line {number}"
        if method == "dpo":
            if "input" not in record:
                raise RunError(f"{where}: a DPO record needs 'input' and the two outputs")
            example = dpo_pair(renderer, record, where, stats)
        elif "messages" in record:
            raw = record["messages"]
            messages = normalize(raw, where)
            weights = _weights(raw, where)
            if not any(
                w and m["role"] == "assistant" for w, m in zip(weights, messages, strict=True)
            ):
                stats.skip("no assistant message to learn from")
                continue
            example = Example(
                chat_sequence(renderer, messages, weights, _tools(record, where), stats)
            )
        elif "prompt" in record or "completion" in record:
            example = Example(legacy_sequence(renderer, record, where))
        else:
            raise RunError(
                f"{where}: expected 'messages' (chat) or 'prompt' and 'completion' (legacy)"
            )
        chosen, cut = _truncate(example.chosen, max_seq_len)
        rejected, cut2 = (None, False)
        if example.rejected is not None:
            rejected, cut2 = _truncate(example.rejected, max_seq_len)
        if cut or cut2:
            stats.truncated += 1
        if not _trainable(chosen) or (rejected is not None and not _trainable(rejected)):
            stats.skip(
                "nothing left to learn from after truncation"
                if cut or cut2
                else "no tokens to learn from"
            )
            continue
        example = Example(chosen, rejected, number)
        examples.append(example)
        stats.examples += 1
        stats.tokens += example.tokens
    return examples, stats
