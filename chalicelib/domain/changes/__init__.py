"""The change feed (docs/changes.md): public changes of places in commit order, per department
and for France, with resumable cursors."""
