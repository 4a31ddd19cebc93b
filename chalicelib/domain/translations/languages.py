"""The languages Repère answers in: French (the source of every text) and eight others.

One definition, used by the public API (``lang=`` and Accept-Language), the translations'
storage and worker, category labels and newsletters. Codes are ISO 639-1, the same as
Amazon Translate's (fa: Persian, ps: Pashto, uk: Ukrainian, ro: Romanian, ar: Arabic).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field

from chalicelib.domain.errors import InvalidInput

Language = Literal["fr", "en", "ar", "uk", "ru", "fa", "ps", "es", "ro"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
SOURCE: Language = "fr"
"""Every text is written in French; the others are translations of it."""
TARGETS: tuple[Language, ...] = tuple(code for code in LANGUAGES if code != SOURCE)
RIGHT_TO_LEFT: frozenset[Language] = frozenset({"ar", "fa", "ps"})
"""Written right to left: mail sets ``dir="rtl"`` on the HTML for them."""
SUPPORTED_TEXT = ", ".join(LANGUAGES)

_MAX_ACCEPT_LANGUAGE = 500  # a header longer than this is read up to here
_MAX_RANGES = 20


def supported(code: str) -> Language:
    """``code`` as a supported language; InvalidInput (400) listing the supported ones."""
    lowered = code.strip().lower()
    for language in LANGUAGES:
        if language == lowered:
            return language
    raise InvalidInput(
        f"unsupported language {code[:20]!r}; supported: {SUPPORTED_TEXT}",
        field="lang",
        code="unsupported_language",
    )


def from_accept_language(header: str | None) -> Language | None:
    """The supported language the client prefers most (RFC 9110 §12.5.4), or None.

    Ranges are read with their q-values (``uk-UA;q=0.9``: primary subtag ``uk``); ``q=0``
    refuses a language; ``*`` means any, which is French here. Malformed parts are skipped:
    a browser's header never turns a page into an error."""
    if not header:
        return None
    best: tuple[float, int, Language] | None = None
    for index, part in enumerate(header[:_MAX_ACCEPT_LANGUAGE].split(",")[:_MAX_RANGES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = _quality(params)
        if quality is None or quality <= 0 or not tag:
            continue
        primary = tag.split("-", 1)[0]
        language: Language | None
        if primary == "*":
            language = SOURCE
        else:
            language = next((code for code in LANGUAGES if code == primary), None)
        if language is None:
            continue
        # Highest q wins; among equals, the first listed (order is the client's preference).
        candidate = (quality, -index, language)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return None if best is None else best[2]


def _quality(params: str) -> float | None:
    params = params.strip()
    if not params:
        return 1.0
    name, _, value = params.partition("=")
    if name.strip().lower() != "q":
        return None
    try:
        quality = float(value.strip())
    except ValueError:
        return None
    if not 0 <= quality <= 1:
        return None
    return quality


def negotiate(explicit: str | None, accept_language: str | None) -> Language:
    """The language of an answer: ``lang=`` when given (an unsupported one is a 400), else
    the best of Accept-Language, else French."""
    if explicit is not None:
        return supported(explicit)
    return from_accept_language(accept_language) or SOURCE


def content_language_field(paths: str) -> Any:
    """The ``content_language`` member of a public view: ``paths`` names its texts' paths
    for the documentation."""
    return Field(
        default=None,
        # Absent from French answers, so their bytes (and ETags) are those of before translations.
        exclude_if=lambda value: value is None,
        description=(
            "Answers in a language other than French (lang=, Accept-Language): the language each "
            f'translatable text is in, by its path ({paths}). "fr": no current translation, '
            "the French text is shown. Absent from French answers."
        ),
    )
