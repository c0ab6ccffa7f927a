"""Hostile inputs as data: SQL fragments (fragments.yaml) and the projects they are put in."""
