"""Trainers behind one seam (``base``): the simulated one, and the local one on torch."""
