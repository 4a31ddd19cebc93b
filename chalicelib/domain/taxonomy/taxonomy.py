"""The category tree: stable ids, labels in every supported language (French and English,
and those of chalicelib/domain/translations/languages.py); a category matches its
descendants."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.translations.languages import LANGUAGES

_DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "categories.json"


@dataclass(frozen=True)
class Category:
    id: str
    fr: str
    en: str
    parent: str | None
    children: tuple[str, ...] = field(default=())
    data_inclusion: str | None = None
    translations: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Labels in the other supported languages (``uk -> "Душ"``)."""

    def label(self, lang: str) -> str:
        """The label in ``lang`` (French when the category has none in it)."""
        if lang == "en":
            return self.en
        return self.translations.get(lang, self.fr)


class Taxonomy:
    def __init__(self, categories: dict[str, Category], roots: tuple[str, ...]) -> None:
        self._categories = categories
        self.roots = roots
        self._descendants: dict[str, frozenset[str]] = {}
        for category_id in categories:
            self._descendants[category_id] = frozenset(self._walk(category_id))

    @classmethod
    def from_tree(cls, tree: list[dict[str, object]]) -> Taxonomy:
        categories: dict[str, Category] = {}

        def visit(node: dict[str, object], parent: str | None) -> str:
            category_id = str(node["id"])
            if category_id in categories:
                raise ValueError(f"duplicate category id {category_id!r}")
            raw_children = node.get("children", [])
            if not isinstance(raw_children, list):
                raise ValueError(f"children of {category_id!r} must be a list")
            translations: Mapping[str, str] = MappingProxyType(
                {
                    code: str(node[code])
                    for code in LANGUAGES
                    if code not in ("fr", "en") and node.get(code)
                }
            )
            # Register the node before its children so a cycle cannot be formed by ids.
            categories[category_id] = Category(
                id=category_id,
                fr=str(node["fr"]),
                en=str(node["en"]),
                parent=parent,
                data_inclusion=str(node["data_inclusion"]) if node.get("data_inclusion") else None,
                translations=translations,
            )
            child_ids = tuple(visit(child, category_id) for child in raw_children)
            categories[category_id] = Category(
                id=category_id,
                fr=str(node["fr"]),
                en=str(node["en"]),
                parent=parent,
                children=child_ids,
                data_inclusion=categories[category_id].data_inclusion,
                translations=translations,
            )
            return category_id

        roots = tuple(visit(node, None) for node in tree)
        return cls(categories, roots)

    def _walk(self, category_id: str) -> list[str]:
        found = [category_id]
        for child in self._categories[category_id].children:
            found.extend(self._walk(child))
        return found

    def __contains__(self, category_id: object) -> bool:
        return category_id in self._categories

    def get(self, category_id: str) -> Category:
        try:
            return self._categories[category_id]
        except KeyError:
            raise InvalidInput(
                f"unknown category {category_id!r}; see GET /categories", field="category"
            ) from None

    def all(self) -> list[Category]:
        return list(self._categories.values())

    def descendants(self, category_id: str) -> frozenset[str]:
        """The category itself and every category below it."""
        self.get(category_id)
        return self._descendants[category_id]

    def ancestors(self, category_id: str) -> list[str]:
        """The category itself and its ancestors, nearest first."""
        chain = []
        current: str | None = category_id
        while current is not None:
            chain.append(current)
            current = self.get(current).parent
        return chain

    def labels(self, category_id: str) -> list[str]:
        """French and English labels of the category and its ancestors (for text search)."""
        labels: list[str] = []
        for ancestor in self.ancestors(category_id):
            category = self._categories[ancestor]
            labels.extend((category.fr, category.en))
        return labels

    def as_tree(self, lang: str | None = None) -> list[dict[str, object]]:
        """The tree with French and English labels (what clients always had), and the
        label in ``lang`` too when another language is asked for."""

        def node(category_id: str) -> dict[str, object]:
            category = self._categories[category_id]
            labels = {"fr": category.fr, "en": category.en}
            if lang is not None and lang not in labels:
                labels[lang] = category.label(lang)
            return {
                "id": category.id,
                "labels": labels,
                "children": [node(child) for child in category.children],
            }

        return [node(root) for root in self.roots]


@cache
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped in chalicelib/data/categories.json (loaded once per container)."""
    document = json.loads(_DATA_FILE.read_text(encoding="utf-8"))
    return Taxonomy.from_tree(document["categories"])
