"""Metrics, structured logging and request ids: what an operator reads to see how ginbot is doing."""
