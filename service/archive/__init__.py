"""The case file (hồ sơ): a deterministic ZIP of a campaign's issued documents for filing.

`catalogue` reads what goes in, `index` and `metadata` write the finding aids, `builder`
streams the ZIP, `verify` checks an archive file, `naming` keeps every member name safe.
The archive job itself is a command (`service.commands.archiving`).
"""
