"""What the domain accepts as an e-mail address: one pattern for every model that holds one.

Deliberately loose (a local part, ``@``, a domain with a dot): deliverability is the mail
provider's to judge. Control characters are refused explicitly rather than left to ``\\s``:
pydantic's regex engine (Rust) and Python's ``re`` (what most JSON Schema validators use to
read the served OpenAPI document) disagree on whether U+001C-U+001F are whitespace, so an
address the API stored could break a client validating the API's own document.
"""

from __future__ import annotations

_ADDRESS_CHAR = r"[^@\s\x00-\x1f\x7f]"

EMAIL_PATTERN = rf"^{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+$"
