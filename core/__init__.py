"""Neutral foundations shared by `extract` and `observatoire`: settings, writer lock, file helpers (README.md)."""
