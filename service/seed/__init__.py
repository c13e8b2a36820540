"""The Lạng Sơn 2023 demo campaign, taken verbatim from the real plan."""
