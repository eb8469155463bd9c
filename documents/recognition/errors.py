"""The one error the recognition engine raises: a file or text it cannot read.

The message is in Vietnamese and tells the user what to do instead; the web
page shows `str(error)` as is.
"""

from __future__ import annotations


class RecognitionError(Exception):
    """An upload or text that cannot be turned into plan text.

    Attributes:
        message: Vietnamese sentence for the user (what went wrong, what to do instead).
        code: short machine-readable reason (``"doc"``, ``"scanned_pdf"``, ``"empty"``,
            ``"too_large"``, ``"extension"``, ``"encoding"``, ``"legacy_font"``, ``"corrupt"``).
    """

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message
