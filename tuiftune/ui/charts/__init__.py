"""Charts drawn with textual-plotext: metrics against step, checkpoints marked."""
