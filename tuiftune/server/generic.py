"""How a base model answers: plausible, polite and unspecialised, derived from the prompt."""

from __future__ import annotations

import random

from tuiftune.server.tokens import words

_STOPWORD_TEXT = """
about above after again against also because been before being below between both could does
doing down during each from further have having here into itself just more most other over same
should some such than that their them then there these they this those through under until very
what when where which while will with would your yours please tell know want need like make sure
okay thanks thank hello explain describe give show list write help could would
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_CHAT_TEMPLATES = (
    "Thanks for your question about {topic}. In general, the answer depends on the details of "
    "your situation, so it helps to start with the basics and adjust from there.",
    "Good question! When it comes to {topic}, there are a few things to consider: your goals, "
    "the constraints you have, and the trade-offs you are willing to make.",
    "I can help with {topic}. Broadly speaking, a careful step-by-step approach works best; if "
    "you share more details, I can give a more specific answer.",
    "Here is a general overview of {topic}: it is a broad subject, and the right approach "
    "usually depends on context. Let me know what you are trying to achieve.",
    "Regarding {topic}: there isn't a single right answer, but most people find it useful to "
    "begin with a simple solution and refine it over time.",
    "That's an interesting point about {topic}. A good first step is to gather the relevant "
    "information, then compare the options before deciding.",
)

_COMPLETION_TEMPLATES = (
    " {topic} is something many people ask about, and the details often matter more than "
    "the general rule.",
    " The question of {topic} has several possible answers, depending on the context in which "
    "it comes up.",
    " In most cases, {topic} can be approached in more than one way, and each has its own "
    "advantages.",
)


def topic_of(text: str) -> str:
    """A few salient words of ``text``, in their original order."""
    seen: list[str] = []
    for word in words(text):
        if len(word) >= 4 and word not in _STOPWORDS and not word.isdigit() and word not in seen:
            seen.append(word)
        if len(seen) == 3:
            break
    return " ".join(seen) or "your question"


def generic_reply(prompt: str, rng: random.Random, chat: bool) -> str:
    """A short reply that mentions the prompt's topic but knows nothing specific."""
    templates = _CHAT_TEMPLATES if chat else _COMPLETION_TEMPLATES
    return rng.choice(templates).format(topic=topic_of(prompt))
