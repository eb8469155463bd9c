"""Download responses: a file saved under the name people gave it, readable by every client (RFC 6266)."""

from __future__ import annotations

import os
import re
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from django.http import FileResponse
from django.utils.http import content_disposition_header

_NOT_IN_FALLBACK = re.compile(r"[^A-Za-z0-9 ._()+,-]+")


def ascii_filename(name: str) -> str:
    """`name` in plain ASCII for old clients: diacritics dropped ("Kế hoạch" -> "Ke hoach"), đ -> d,
    anything else outside letters, digits and ` ._()+,-` -> "_"; "tep" when nothing is left of the stem."""
    decomposed = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = " ".join(_NOT_IN_FALLBACK.sub("_", text).split()).strip(" .")
    stem, ext = os.path.splitext(text)
    return text if stem.strip("_ ") else f"tep{ext}"


def attachment_disposition(name: str) -> str:
    """Content-Disposition for downloading a file named `name` (RFC 6266).

    An ASCII `filename` always, for clients that know no other; when `name` is not that
    exactly, the name itself as `filename*` (UTF-8, percent-encoded), which browsers prefer:
    `attachment; filename="Ke hoach 01-KH-MTTQ-BTT.docx"; filename*=utf-8''K%E1%BA%BF%20ho...`.
    """
    fallback = ascii_filename(name)
    header = content_disposition_header(as_attachment=True, filename=fallback)
    if fallback != name:
        header += "; filename*=utf-8''" + quote(name, safe="")
    return header


def file_download(content: BinaryIO, name: str, **kwargs: str) -> FileResponse:
    """A FileResponse of `content` (a file or bytes stream) saved as `name` (see `attachment_disposition`)."""
    response = FileResponse(content, as_attachment=True, filename=name, **kwargs)
    response["Content-Disposition"] = attachment_disposition(name)
    return response
