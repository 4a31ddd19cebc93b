"""Jinja2 rendering of e-mails (worker-only: the API never renders templates).

A template is a folder ``templates/mail/<name>/<locale>/`` with ``subject.txt.j2``,
``body.html.j2`` and ``body.txt.j2``. French is the reference language: a locale without
its folder falls back to ``fr``. HTML is autoescaped; the text part and the subject are not
(they are not HTML), and the subject is reduced to one line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.domain.dates import long_date as written_date
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.mail.models import MailMessage, RenderedMail

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
DEFAULT_LOCALE = "fr"


def long_date(value: str | date, locale: str = DEFAULT_LOCALE) -> str:
    """The ``long_date`` filter: ``2026-11-23`` → "23 novembre 2026" (or "23 November
    2026"). Message contexts are JSON, so dates arrive as ISO strings."""
    return written_date(value if isinstance(value, date) else date.fromisoformat(value), locale)


class JinjaMailRenderer:
    def __init__(self, root: Path = TEMPLATES) -> None:
        self._root = root
        self._env = Environment(
            loader=FileSystemLoader(str(root)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self._env.filters["long_date"] = long_date

    def render(self, message: MailMessage) -> RenderedMail:
        folder = self._root / message.template
        if not (folder / DEFAULT_LOCALE).is_dir():
            raise InvalidInput(f"no mail template {message.template!r}", field="template")
        locale = message.locale if (folder / message.locale).is_dir() else DEFAULT_LOCALE
        base = f"{message.template}/{locale}"
        context = dict(message.context)
        subject = self._env.get_template(f"{base}/subject.txt.j2").render(context)
        return RenderedMail(
            subject=" ".join(subject.split()),
            html=self._env.get_template(f"{base}/body.html.j2").render(context),
            text=self._env.get_template(f"{base}/body.txt.j2").render(context),
        )
