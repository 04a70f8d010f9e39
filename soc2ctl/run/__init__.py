"""One run end to end: building it, saved plans, the apply lock."""
