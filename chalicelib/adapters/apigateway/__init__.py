"""API Gateway adapters."""
