"""The Dataset area: the editor screen, its record list, panels and record editors."""
