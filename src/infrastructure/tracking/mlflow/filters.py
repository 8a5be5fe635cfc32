"""MLflow filter strings: every value in a search filter is quoted here, and only here.

MLflow's filter grammar has no escapes: a value is written in single quotes, or in double quotes
when it holds a ``'``. A value holding both quote kinds cannot be expressed, so it raises
``ValueError`` before any store call.
"""

from __future__ import annotations

from collections.abc import Mapping


def quote_filter_value(value: object) -> str:
    """``str(value)`` as an MLflow filter literal; ValueError when it holds both ``'`` and ``"``."""
    text = str(value)
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ValueError(f"MLflow filter strings cannot express a value holding both ' and \": {text!r}")


def tags_filter(tags: Mapping[str, object]) -> str:
    """``tags.<key> = <quoted value>`` for every entry, joined with ``AND`` (``""`` for none)."""
    return " AND ".join(f"tags.{key} = {quote_filter_value(value)}" for key, value in tags.items())
