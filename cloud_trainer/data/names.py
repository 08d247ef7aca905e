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


PASSED_OVER = " (not read)"


def passed_over(column: str) -> str:
    """The new name of a column the reader chose another over for the same field (an
    items file's ``book_id`` beside the ``id`` its interactions use; Magento's line key
    beside ``product_id``; GA4's ``user_id`` beside ``user_pseudo_id``): kept in the
    frame, but never read as that field nor as a demographic (:func:`is_passed_over`)."""
    return column + PASSED_OVER


def is_passed_over(column: str) -> bool:
    return column.endswith(PASSED_OVER)
