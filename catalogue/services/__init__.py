"""Item setup (items.py; many items at once: item_batches.py) and cost change requests (costs.py)."""
