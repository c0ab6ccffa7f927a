"""Notifications of issue transitions to owners: targets from cxspec.yaml only, an outbox
table so that nothing is lost or sent twice (docs/closing-the-loop.md, "Notifications")."""
