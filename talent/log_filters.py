"""Log filters named in ``settings.LOGGING``."""

import logging


def refusal_without_traceback(record: logging.LogRecord) -> bool:
    """Keep a 403 to one line: a refusal is the access rule working (``profiles/access.py``), not
    an error, and Django logs it with the PermissionDenied's whole traceback."""
    if getattr(record, "status_code", None) == 403:
        record.exc_info = None
        record.exc_text = None
    return True
