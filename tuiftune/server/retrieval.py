"""What a fine-tuned model "learned": its training examples, searchable by prompt (BM25)."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from tuiftune.server.tokens import message_text, words

_K1 = 1.2
_B = 0.75


@dataclass(frozen=True)
class Example:
    """A training prompt and the answer the model was taught to give."""

    prompt: str
    answer: str
    tool_calls: list[dict[str, Any]] | None = None


def _chat_example(messages: Any) -> Example | None:
    if not isinstance(messages, list):
        return None
    last = max(
        (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"),
        default=None,
    )
    if last is None:
        return None
    prompt = "\n".join(
        message_text(m.get("content")) for m in messages[:last] if isinstance(m, dict)
    )
    reply = messages[last]
    calls = reply.get("tool_calls")
    return Example(
        prompt, message_text(reply.get("content")), calls if isinstance(calls, list) else None
    )


def _example(obj: dict[str, Any]) -> Example | None:
    if "messages" in obj:
        return _chat_example(obj["messages"])
    preferred = obj.get("preferred_output", obj.get("preferred_completion"))
    if isinstance(obj.get("input"), dict) and isinstance(preferred, list) and preferred:
        inputs = obj["input"].get("messages")
        if isinstance(inputs, list):
            return _chat_example([*inputs, {"role": "assistant", **preferred[0]}])
    prompt, completion = obj.get("prompt"), obj.get("completion")
    if isinstance(prompt, str) and isinstance(completion, str):
        return Example(prompt, completion)
    return None


def extract_examples(data: bytes) -> list[Example]:
    """Every usable example of a chat, DPO or legacy JSONL file; bad lines are skipped."""
    examples = []
    for line in data.decode("utf-8-sig", errors="replace").splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and (example := _example(obj)) is not None:
            examples.append(example)
    return examples


def _normal(text: str) -> str:
    return " ".join(words(text))


class ExampleIndex:
    """BM25 over the examples' prompts, plus an exact-prompt lookup."""

    def __init__(self, examples: list[Example]) -> None:
        self.examples = examples
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        self._exact: dict[str, int] = {}
        for i, example in enumerate(examples):
            terms = words(example.prompt)
            self._lengths.append(len(terms))
            for term, tf in Counter(terms).items():
                self._postings[term].append((i, tf))
            self._exact.setdefault(_normal(example.prompt), i)
        self._avg = sum(self._lengths) / len(self._lengths) if self._lengths else 0.0

    def exact(self, query: str) -> int | None:
        """The first example whose prompt has exactly the query's words."""
        return self._exact.get(_normal(query))

    def search(self, query: str, limit: int = 8) -> list[tuple[float, int]]:
        """The best (score, example index) pairs, best first; empty when nothing overlaps."""
        n = len(self.examples)
        scores: dict[int, float] = defaultdict(float)
        for term in set(words(query)):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = 1 - _B + _B * self._lengths[doc] / (self._avg or 1)
                scores[doc] += idf * tf * (_K1 + 1) / (tf + _K1 * norm)
        best = sorted(((s, d) for d, s in scores.items() if s > 0), key=lambda p: (-p[0], p[1]))
        return best[:limit]
