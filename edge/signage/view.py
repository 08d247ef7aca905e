"""What a screen prints: a recommendation turned into words and colours.

Formatting happens once per recommendation in the page server, not in every
browser: the page only places ready strings. Nothing here shows an id: item
ids, signal ids and recommendation ids travel as data attributes only.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from edge.comms.topics import SHELF_TEXT_MAX, Recommendation, ShelfLabel, ShelfLabels

# Complete Journey departments (and the tiny test catalogue's), each a colour a
# shopper associates with it; anything else gets a stable colour from the palette.
DEPARTMENT_COLOURS = {
    "PRODUCE": "#2e7d32",
    "SALAD BAR": "#558b2f",
    "FLORAL": "#ad1457",
    "GARDEN CENTER": "#33691e",
    "SEASONAL": "#c62828",
    "DELI": "#ef6c00",
    "PASTRY": "#a1662f",
    "CHEF SHOPPE": "#bf360c",
    "RESTAURANT": "#d84315",
    "MEAT": "#b71c1c",
    "MEAT-PCKGD": "#c62828",
    "SEAFOOD": "#0277bd",
    "SEAFOOD-PCKGD": "#0288d1",
    "GROCERY": "#1565c0",
    "FROZEN GROCERY": "#00838f",
    "DRUG GM": "#6a1b9a",
    "COSMETICS": "#8e24aa",
    "NUTRITION": "#4527a0",
    "MISCELLANEOUS": "#546e7a",
    "SPIRITS": "#4e342e",
    "TRAVEL & LEISURE": "#00695c",
    "FUEL": "#37474f",
}
# Department codes as a shopper would say them (Complete Journey spells some tersely).
DEPARTMENT_LABELS = {
    "DRUG GM": "Health & Home",
    "MEAT-PCKGD": "Packaged Meat",
    "SEAFOOD-PCKGD": "Packaged Seafood",
    "FROZEN GROCERY": "Frozen",
    "MISCELLANEOUS": "Store Picks",
    "SALAD BAR": "Salad Bar",
    "CHEF SHOPPE": "Chef Shoppe",
    "GARDEN CENTER": "Garden Centre",
}
PALETTE = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#c62828", "#4e342e", "#546e7a")

# The trainer appends the Complete Journey brand class; "(Private)" means
# store brand and reads as noise on a screen.
_BRAND_NOISE = (" (National)", " (Private)")

_COLON = re.compile(r":(?=\S)")

REASONS = {
    "bought before": "You bought this before",
    "goes with your basket": "Goes with what you picked",
    "popular right now": "Popular right now",
    "popular in store": "Popular in this store",
}


def colour(department: str | None) -> str:
    if not department:
        return PALETTE[-1]
    known = DEPARTMENT_COLOURS.get(department.upper())
    if known:
        return known
    digest = hashlib.blake2s(department.upper().encode(), digest_size=2).digest()
    return PALETTE[int.from_bytes(digest, "big") % len(PALETTE)]


def pretty_name(name: str) -> str:
    for noise in _BRAND_NOISE:
        if name.endswith(noise):
            name = name[: -len(noise)]
    name = " ".join(name.split())
    name = _COLON.sub(": ", name)  # "Chix:Frd" -> "Chix: Frd"
    return name.title() if name.isupper() else name


def short_text(name: str, limit: int = SHELF_TEXT_MAX) -> str:
    """At most ``limit`` characters, cut at a word boundary (with an ellipsis)."""
    if len(name) <= limit:
        return name
    head = name[: limit - 1]
    at = max(head.rfind(" "), head.rfind("("))  # a word or a bracketed part starts there
    cut = head[:at].rstrip(" ,-:(") if at > 0 else head
    return (cut or head) + "…"


def reason_text(reason: str, department: str | None = None) -> str:
    known = REASONS.get(reason)
    if known:
        return known
    if reason.startswith("right here in "):
        return "Right here in " + (department_label(department, "") if department
                                   else reason[len("right here in "):])
    if reason.startswith("popular in "):
        return "Popular in " + reason[len("popular in "):]
    return reason[:1].upper() + reason[1:]


def department_label(department: str | None, category: str) -> str:
    text = department or category or ""
    label = DEPARTMENT_LABELS.get(text.upper())
    if label:
        return label
    return text.title() if text.isupper() else text


def price_text(price: float) -> str:
    return f"${price:,.2f}"


def make_view(rec: Recommendation, kind: str, slots: int) -> dict[str, Any]:
    """The page's model of one recommendation (JSON-ready)."""
    return {
        "recommendation_id": rec.recommendation_id,
        "cause": rec.cause.signal_id if rec.cause else None,
        "generated_at": rec.generated_at,
        "kind": kind,
        "slots": slots,
        "items": [
            {
                "item_id": it.item_id,
                "name": pretty_name(it.name),
                "short": short_text(pretty_name(it.name)),
                "price": price_text(it.price),
                "reason": reason_text(it.reason, it.department),
                "department": department_label(it.department, it.category),
                "colour": colour(it.department or it.category),
            }
            for it in rec.items
        ],
    }


def shelf_labels(rec: Recommendation) -> ShelfLabels:
    """The compact shelf-label / LED-strip form of a recommendation."""
    return ShelfLabels(
        display_id=rec.display_id,
        recommendation_id=rec.recommendation_id,
        cause_signal_id=rec.cause.signal_id if rec.cause else None,
        generated_at=rec.generated_at,
        labels=[
            ShelfLabel(slot=it.position, item_id=it.item_id, text=short_text(pretty_name(it.name)),
                       price=it.price, colour=colour(it.department or it.category))
            for it in rec.items if it.price > 0
        ],
    )
