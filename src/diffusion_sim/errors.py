"""Errors raised for bad user input."""

from __future__ import annotations

__all__ = ["ConfigError", "GraphFormatError"]


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong kind or out of range.

    The message always names the key, the value given and what is allowed.
    """

    def __init__(self, key: str, value, allowed: str):
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key}={value!r} is not allowed: {allowed}")


class GraphFormatError(ValueError):
    """An edge-list file cannot be read; the message names the file and the row."""
