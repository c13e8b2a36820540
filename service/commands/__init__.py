"""Use cases: each validates, then changes the database in the caller's transaction."""
