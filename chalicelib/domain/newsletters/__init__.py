"""Weekly territory newsletters: double opt-in subscriptions and digests (docs/newsletters.md)."""
