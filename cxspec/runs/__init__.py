"""`cxspec run`: compute, score, detect issues and store, in the project's warehouse."""
