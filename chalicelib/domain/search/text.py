"""Text normalisation shared by every search backend: case- and accent-insensitive words."""

from __future__ import annotations

import re
import unicodedata

# Ligatures that NFKD leaves alone but French writes often ("Restos du Cœur").
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Words too common to help ranking; a query made only of them is matched as typed.
FRENCH_STOP_WORDS = frozenset(
    {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour", "sur"}
)


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: 'Épicerie  Cœur' -> 'epicerie coeur'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()


def words(text: str) -> list[str]:
    normalised = normalise(text)
    return normalised.split(" ") if normalised else []


def query_terms(text: str) -> list[str]:
    """The words of a query that carry meaning (stop words dropped unless nothing is left)."""
    all_words = words(text)
    meaningful = [word for word in all_words if word not in FRENCH_STOP_WORDS]
    return list(dict.fromkeys(meaningful or all_words))
