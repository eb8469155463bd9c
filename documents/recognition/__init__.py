"""Recognition of plan texts: the parts of a kế hoạch as Nghị định 30/2020/NĐ-CP lays them out.

Pure Python (no Django models; imports without Django settings). Entry points:

- `decode_upload(filename, data)` turns an uploaded .txt/.docx/.pdf into NFC text, or
  raises `RecognitionError` with a Vietnamese message saying what to do instead;
- `recognize(text)` returns a `Recognition`: header (number, issuer, place, date, type,
  title), legal basis, sections with sub-headings, tasks, deadlines with resolved dates,
  signature, Nơi nhận entries and warnings, each with its line;
- `normalize_text(text)` is the NFC text all line numbers refer to;
- `fold(text)` is the key in which names are compared (no diacritics, one tone placement).
"""

from documents.recognition.decode import decode_upload
from documents.recognition.errors import RecognitionError
from documents.recognition.model import (
    Attachment,
    BasisItem,
    Deadline,
    RecipientEntry,
    Recognition,
    RecognitionWarning,
    Section,
    Task,
    Warning,
)
from documents.recognition.normalize import fold, normalize_text
from documents.recognition.recognize import recognize

__all__ = [
    "Attachment",
    "BasisItem",
    "Deadline",
    "RecipientEntry",
    "Recognition",
    "RecognitionError",
    "RecognitionWarning",
    "Section",
    "Task",
    "Warning",
    "decode_upload",
    "fold",
    "normalize_text",
    "recognize",
]
