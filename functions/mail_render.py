"""Jinja2 rendering of e-mails (worker-only: the API never renders templates).

A template is a folder ``templates/mail/<name>/<locale>/`` with ``subject.txt.j2``,
``body.html.j2`` and ``body.txt.j2``. French is the reference language: a locale without
its folder falls back to ``fr``. HTML is autoescaped; the text part and the subject are not
(they are not HTML), and the subject is reduced to one line.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.mail.models import MailMessage, RenderedMail

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
DEFAULT_LOCALE = "fr"


class JinjaMailRenderer:
    def __init__(self, root: Path = TEMPLATES) -> None:
        self._root = root
        self._env = Environment(
            loader=FileSystemLoader(str(root)),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

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
