"""Loggers of the tracking layer: records pass through credential masking before any handler.

Log lines quote exceptions, and MLflow's REST errors quote the request URL with its credentials;
the layer's loggers mask every URI in the final message (``uri_masking.mask_uris_in_text``).
"""

from __future__ import annotations

import logging

from infrastructure.tracking.mlflow.uri_masking import mask_uris_in_text


class CredentialMaskingFilter(logging.Filter):
    """Replaces a record's message by its masked, fully formatted form."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_uris_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_FILTER = CredentialMaskingFilter()


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the credential-masking filter attached (once)."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
