"""Migration scripts, one per schema change: NNNN_short_name.py."""
