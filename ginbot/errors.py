"""Errors that are fixed by editing a file, not code, shared so that every entry point reports them alike."""

from __future__ import annotations


class DataFileError(ValueError):
    """A maintainer-edited file under ``intents/`` or ``data/`` is wrong or missing.

    The message names the file, and the line where it can. The CLI prints it as one line and exits 2;
    ``ginbot serve`` refuses to start with it.
    """
