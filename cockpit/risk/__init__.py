"""Risk: pure functions over numpy arrays. No I/O, no clock of its own (time is an argument)."""
