"""E-mail of issued documents: composing, the SMTP/outbox transport, invitations, the register."""
