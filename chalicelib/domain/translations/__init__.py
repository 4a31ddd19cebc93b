"""Place content in the reader's language (docs/translations.md)."""
