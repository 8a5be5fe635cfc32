"""MLflow search conventions: every filter value is quoted here, and every search orders by
:data:`NEWEST_FIRST`.

MLflow's filter grammar has no escapes: a value is written in single quotes, or in double quotes
when it holds a ``'``. A value holding both quote kinds cannot be expressed, so it raises
``ValueError`` before any store call.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The order of every run search that takes the first result or returns results in order: newest
#: start time first; runs started in the same millisecond by run name. MLflow promises no order
#: without one, and the stores differ on ties.
NEWEST_FIRST = ["attributes.start_time DESC", "attributes.run_name ASC"]


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
