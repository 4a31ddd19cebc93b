"""Partner API keys (docs/partners.md): issued by admins, shown once, stored hashed, checked
in constant time, with a quota per key."""
