"""The Playground area: the screen, its answer panes and the dialogs that keep answers."""
