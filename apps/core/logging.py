"""Personal data stays out of the logs: every resident ID number in a log line is masked.

``MaskIdNumbersFilter`` is attached to every handler (settings.LOGGING; gunicorn's access and error logs in
config/gunicorn.conf.py). It rewrites any 18-character resident ID (17 digits and a digit or X, not part of
a longer number) in the formatted message, the exception text and the stack to ``3205**********1234``
(``apps.core.idnumbers.mask``) — query strings such as ``?id_number=`` or the admin's ``?q=`` included.
"""
import logging
import re

from apps.core.idnumbers import mask

ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def mask_id_numbers(text: str) -> str:
    return ID_NUMBER.sub(lambda m: mask(m.group(0)), text)


class MaskIdNumbersFilter(logging.Filter):
    """Masks ID numbers in the record; the record keeps its level, logger and extras, only text changes."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's own error reporting
            return True
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers(record.stack_info)
        return True
