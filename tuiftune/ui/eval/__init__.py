"""The Eval area: the screen, its results table, run panel and example dialog."""
