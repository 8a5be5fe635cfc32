"""Masked form of a tracking URI: what the layer writes to files and logs instead of the URI.

A URI can carry credentials: a user-info part (``https://user:token@host``) or secret-looking
query parameters (``?token=...``, ``?sig=...``, ``api_key``, ``password``...). Those parts are
replaced by ``***``; everything else is kept byte for byte, so a URI without credentials (file,
sqlite, a plain server or Azure ML URI) is returned unchanged. Masking is idempotent, so stored
masked URIs compare equal to the masked form of the live URI.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"

# scheme://userinfo@ : greedy up to the last "@" before the path, like urllib's netloc parsing.
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#]*)@")
_QUERY_PARAM = re.compile(r"(?P<sep>[?&;])(?P<key>[^=&;#]+)=(?P<value>[^&;#]*)")
_SECRET_KEY = re.compile(
    r"token|secret|passw|pwd|key|sig|auth|credential|session|cookie|sas|code", re.IGNORECASE
)


def mask_tracking_uri(uri: str) -> str:
    """``uri`` with its user-info and the values of secret-looking query parameters replaced by ``***``."""
    masked = _USERINFO.sub(lambda m: f"{m.group('scheme')}{MASK}@", uri, count=1)
    query_start = masked.find("?")
    if query_start < 0:
        return masked
    head, query = masked[:query_start], masked[query_start:]
    return head + _QUERY_PARAM.sub(_mask_secret_param, query)


def _mask_secret_param(match: re.Match[str]) -> str:
    if not _SECRET_KEY.search(unquote(match.group("key"))):
        return match.group(0)
    return f"{match.group('sep')}{match.group('key')}={MASK}"


# A URI inside free text (an exception message, a log line): scheme://... up to white space or quote.
_URI_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def mask_uris_in_text(text: str) -> str:
    """``text`` with every URI in it masked (:func:`mask_tracking_uri`); other text is kept as is.

    Error messages from MLflow's REST client quote the request URL, credentials included.
    """
    return _URI_IN_TEXT.sub(lambda match: mask_tracking_uri(match.group(0)), text)
