"""Item setup (items.py) and cost change requests (costs.py)."""
