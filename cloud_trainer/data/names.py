"""How the reader compares column names: one function, below both the CSV reader
(:mod:`.schema`) and the converters of other formats (:mod:`.formats`), which match a
workbook's sheets by the same names."""

from __future__ import annotations

import unicodedata


def header_key(col: str) -> str:
    """A header name as :func:`.schema._normalise_header` compares it (case, spaces, - and _
    dropped, accents folded: ``Référence`` is ``reference``, ``Stückpreis`` ``stuckpreis``)."""
    key = col.lower().replace(" ", "").replace("-", "").replace("_", "")
    if not key.isascii():
        key = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    return key
