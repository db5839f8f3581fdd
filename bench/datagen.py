"""Deterministic synthetic chat datasets for the benchmarks (a support assistant's examples)."""

from __future__ import annotations

import json
import random
from pathlib import Path

SYSTEMS = (
    "You are Nova, the support assistant for Brightline Internet. Answer in two to five short "
    "sentences, be precise about plans, prices and outage procedures, never invent account "
    "details, and hand over to a human agent when a customer asks for a refund above $50 or "
    "reports a safety issue with equipment.",
    "You are a friendly assistant for a home-energy monitoring app. Keep answers practical, "
    "mention the exact menu path when you describe a setting, and say so when a feature needs "
    "the paid plan. If you are not sure, ask one clarifying question instead of guessing.",
    "You triage messages for an online bookstore's help desk. Reply with a short, polite answer "
    "and, when an order is involved, ask for the order number in the format BK-123456 before "
    "promising anything about delivery dates, returns or refunds.",
)
SUBJECTS = (
    "my router",
    "the invoice",
    "my order",
    "the app",
    "the modem",
    "my account",
    "the password reset",
    "the delivery",
    "the smart plug",
    "my subscription",
    "the firmware update",
    "the refund",
    "the tracking link",
    "the mobile data plan",
)
PROBLEMS = (
    "keeps disconnecting every evening",
    "shows a charge I do not recognise",
    "has not arrived after nine days",
    "crashes when I open the statistics tab",
    "blinks orange and never turns green",
    "was locked after three failed attempts",
    "sends an email that never arrives",
    "says it was delivered but it was not",
    "stopped reporting readings yesterday",
    "renewed even though I cancelled it",
    "failed halfway and now the device is stuck",
    "is still pending after two weeks",
)
ASKS = (
    "What should I do?",
    "Can you help me fix this?",
    "Is this a known issue?",
    "How long will it take?",
    "Do I need to call someone?",
    "Can I get a refund for this?",
)
STEPS = (
    "Restart the device by holding the power button for ten seconds.",
    "Open Settings, then Account, then Billing to see every charge with its date.",
    "I have checked the carrier status and the parcel is held at the local depot.",
    "Please update the app to the latest version from the store and try again.",
    "The orange light means the line is synchronising; give it five minutes.",
    "You can unlock the account from the link we just sent to your email address.",
    "Check the spam folder, and add our address to your contacts.",
    "I have opened a claim with the courier; you will hear from us within 48 hours.",
    "The readings resume once the hub reconnects to your Wi-Fi network.",
    "I have cancelled the renewal and the charge will be refunded in 3-5 business days.",
    "Unplug the device for a minute, then run the update again from the app.",
    "Refunds are processed within ten business days after we receive the item.",
)
CLOSERS = (
    "Is there anything else I can help you with?",
    "Let me know if that works.",
    "I am sorry for the trouble.",
    "Thanks for your patience.",
    "",
)


def _names(rng: random.Random) -> str:
    return f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.randrange(10_000, 99_999)}"


def example(rng: random.Random) -> dict[str, object]:
    """One realistic example: a fixed system prompt, then one or two turns."""
    messages = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    for _ in range(1 if rng.random() < 0.8 else 2):
        user = (
            f"Hi, {rng.choice(SUBJECTS)} {rng.choice(PROBLEMS)} since "
            f"{rng.randrange(1, 28)} {rng.choice(('May', 'June', 'July'))}. "
            f"My reference is {_names(rng)}. {rng.choice(ASKS)}"
        )
        steps = rng.sample(STEPS, rng.randrange(1, 4))
        answer = (
            f"Thanks for reaching out about {rng.choice(SUBJECTS)} (ref {_names(rng)}). "
            + " ".join(steps)
            + " "
            + rng.choice(CLOSERS)
        ).strip()
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


def write_chat_file(path: Path, n: int, seed: int = 7) -> Path:
    """Write ``n`` examples (about 0.8 KB each); reuse the file when it already exists."""
    stamp = path.with_suffix(".n")
    if path.exists() and stamp.exists() and stamp.read_text() == f"{n} {seed}":
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(n):
            fh.write(json.dumps(example(rng), ensure_ascii=False) + "\n")
    path.with_suffix(".n").write_text(f"{n} {seed}")
    return path
