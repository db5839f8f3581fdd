"""Rules for message content: text parts and images."""

from __future__ import annotations

import base64
from typing import Any

from tuiftune.dataset.findings import err, info
from tuiftune.dataset.rules.base import IMAGE_MIME, MAX_IMAGE_BYTES, MessageScan, type_name


def content_text(content: Any, path: str, scan: MessageScan, role: str) -> str | None:
    """Check content and return its text (None when absent or unusable)."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        scan.findings.append(
            err(
                "chat.content.type",
                f"content must be a string or a list of parts, not {type_name(content)}",
                path,
            )
        )
        return None
    texts: list[str] = []
    for j, part in enumerate(content):
        ppath = f"{path}[{j}]"
        if not isinstance(part, dict):
            scan.findings.append(err("chat.content.part", "content part must be an object", ppath))
            continue
        kind = part.get("type")
        if kind == "text":
            text = part.get("text")
            if not isinstance(text, str):
                scan.findings.append(
                    err("chat.content.part", "text part needs a string 'text'", f"{ppath}.text")
                )
            else:
                texts.append(text)
        elif kind == "image_url":
            scan.images += 1
            check_image(part, ppath, scan, role)
        else:
            scan.findings.append(
                err(
                    "chat.content.part",
                    f"unknown content part type {kind!r} (expected 'text' or 'image_url')",
                    f"{ppath}.type",
                )
            )
    return "".join(texts)


def check_image(part: dict[str, Any], path: str, scan: MessageScan, role: str) -> None:
    if role == "assistant":
        scan.findings.append(
            err("image.assistant", "assistant messages cannot contain images", path)
        )
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url:
        scan.findings.append(
            err("image.url", "image_url part needs image_url.url", f"{path}.image_url.url")
        )
        return
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        mime = header[5:].split(";", 1)[0].lower()
        if mime not in IMAGE_MIME:
            scan.findings.append(
                err(
                    "image.format",
                    f"image type {mime or '?'!r} is not supported (JPEG, PNG or WEBP only)",
                    f"{path}.image_url.url",
                )
            )
        size = len(data) * 3 // 4
        if size > MAX_IMAGE_BYTES:
            scan.findings.append(
                err(
                    "image.size",
                    f"image is {size / 1e6:.1f} MB; the limit is 10 MB",
                    f"{path}.image_url.url",
                )
            )
        elif ";base64" in header:
            try:
                base64.b64decode(data, validate=True)
            except ValueError:
                scan.findings.append(
                    err("image.data", "image data is not valid base64", f"{path}.image_url.url")
                )
    elif not url.startswith(("http://", "https://")):
        scan.findings.append(
            err("image.url", "image url must be https:// or a data: URL", f"{path}.image_url.url")
        )
    scan.findings.append(info("image.tokens", "image tokens are not counted in the estimate", path))
