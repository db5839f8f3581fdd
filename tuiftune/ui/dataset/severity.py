"""How a finding's severity is styled in the editor's panes and dialogs."""

from __future__ import annotations

# Its own module: the findings pane (on the first frame) need not load the record editor.
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
