"""Issues with a life: stable ids, states open/acknowledged/resolved, their history, and the
notifications of their transitions (docs/closing-the-loop.md)."""
