"""Errors that reach the user as one line, never as a traceback."""

from __future__ import annotations

from pathlib import Path


class ZhpolicyError(Exception):
    """A problem the user can fix; the CLI prints it as one line."""


class InputError(ZhpolicyError):
    """One input file (or one record in it) cannot be read."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
