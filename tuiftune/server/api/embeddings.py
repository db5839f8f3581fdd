"""``POST /v1/embeddings``: OpenAI's embeddings API, answered with a hashed bag of words.

The local server holds no embedding model, so it says so: the response's ``model`` is
``tuiftune-hashed-bag-of-words`` whatever was asked (the vectors are not OpenAI's). Each text
becomes its words (case-folded ``\\w+``, or the token ids sent), each hashed with BLAKE2b to a
signed slot of the vector (feature hashing), weighted ``1 + log(count)``, L2-normalised. Texts
that share words point the same way, so a cosine ranking works like a bag-of-words search,
deterministically (no per-process hash seed). Accepted models are OpenAI's embedding models,
with their sizes and ``dimensions`` rules; ``encoding_format`` float or base64 (the SDK's
default: little-endian float32).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections import Counter
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tuiftune.server.errors import invalid, missing, model_not_found
from tuiftune.server.params import json_body

REPORTED_MODEL = "tuiftune-hashed-bag-of-words"
SIZES = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072}
FIXED = {"text-embedding-ada-002": 1536}  # no ``dimensions`` parameter for this one
MAX_INPUTS = 2048
MAX_INPUT_CHARS = 8192 * 8  # OpenAI's limit is 8,192 tokens; a generous bound in characters
_WORD = re.compile(r"\w+")


def _is_token(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _inputs(body: dict[str, Any]) -> list[list[str]]:
    """Each input as its words (token ids become words too)."""
    value = body.get("input")
    if value is None:
        raise missing("input")
    if isinstance(value, str) or (isinstance(value, list) and value and _is_token(value[0])):
        value = [value]
    if not isinstance(value, list) or not value:
        raise invalid(
            "Invalid type for 'input': expected a string, an array of strings, an array of "
            "tokens or an array of token arrays.",
            param="input",
            code="invalid_type",
        )
    if len(value) > MAX_INPUTS:
        raise invalid(
            f"Invalid 'input': array too long. Expected an array with maximum length "
            f"{MAX_INPUTS}, but got an array with length {len(value)} instead.",
            param="input",
            code="array_above_max_length",
        )
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str) and item and len(item) <= MAX_INPUT_CHARS:
            out.append(_WORD.findall(item.casefold()))
        elif isinstance(item, list) and item and all(_is_token(t) for t in item):
            out.append([f"#{t}" for t in item])
        else:
            raise invalid(
                f"Invalid 'input[{i}]': expected a non-empty string (at most "
                f"{MAX_INPUT_CHARS:,} characters) or a non-empty array of tokens.",
                param=f"input[{i}]",
                code="invalid_value",
            )
    return out


def _size(body: dict[str, Any], model: str) -> int:
    if model not in SIZES and model not in FIXED:
        raise model_not_found(model)
    dimensions = body.get("dimensions")
    if dimensions is None:
        return SIZES.get(model) or FIXED[model]
    if model in FIXED:
        raise invalid(
            f"This model does not support specifying dimensions: {model}.", param="dimensions"
        )
    if not _is_token(dimensions) or not 1 <= dimensions <= SIZES[model]:
        raise invalid(
            f"Invalid 'dimensions': expected an integer from 1 to {SIZES[model]}.",
            param="dimensions",
            code="invalid_value",
        )
    return int(dimensions)


def hashed_vector(words: Sequence[str], size: int) -> list[float]:
    """The L2-normalised feature-hashed bag of ``words`` (all zeros for none)."""
    vector = [0.0] * size
    for word, count in Counter(words).items():
        digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
        slot = int.from_bytes(digest, "little")
        sign = 1.0 if slot & 1 else -1.0
        vector[(slot >> 1) % size] += sign * (1.0 + math.log(count))
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


async def create_embeddings(request: Request) -> Response:
    """Embed each input (see the module's docstring: the vectors are a hashed bag of words)."""
    body = await json_body(request)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise missing("model")
    size = _size(body, model)
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise invalid(
            "Invalid 'encoding_format': expected 'float' or 'base64'.",
            param="encoding_format",
            code="invalid_value",
        )
    texts = _inputs(body)
    tokens = sum(len(words) for words in texts)
    return JSONResponse(
        {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": _encode(v, encoding)}
                for i, v in enumerate(hashed_vector(words, size) for words in texts)
            ],
            "model": REPORTED_MODEL,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )
