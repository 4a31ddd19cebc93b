"""OpenSearch search backend (docs/opensearch.md).

Nothing is imported here: the API imports this package only when REPERE_SEARCH_BACKEND is
``opensearch``, and only ``client.py`` imports opensearch-py, so a DynamoDB deployment's cold
start never pays for it.
"""
