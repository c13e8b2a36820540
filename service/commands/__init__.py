"""Use cases: each validates, then changes the database in the caller's transaction.

Importing the package installs the audit hook, so every change a command makes is logged.
"""

from service import audit  # noqa: F401
