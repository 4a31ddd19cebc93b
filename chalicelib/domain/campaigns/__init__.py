"""Update campaigns: contact every structure of a territory and track who confirmed
(docs/campaigns.md)."""
