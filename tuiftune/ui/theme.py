"""tuiftune's theme: Textual's dark theme with a warning colour that stays yellow in 16 colours.

Textual's ``#ffa62b`` warning (and the accent) becomes bright red on a 16-colour terminal, the
colour of an error, so a warning toast or label read as an error there. ``#ffb02b`` looks the
same in truecolour and becomes bright yellow in 16 colours; errors stay red.
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import BUILTIN_THEMES, Theme

WARNING = "#ffb02b"

THEME: Theme = replace(BUILTIN_THEMES["textual-dark"], name="tuiftune-dark", warning=WARNING)
