"""Machine translation adapters (the ``Translator`` port of chalicelib/domain/translations)."""
