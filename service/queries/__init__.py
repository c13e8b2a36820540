"""Reads: what a user may see and the summaries built from it, one module per idea, no Flask.

The API, the staff UI and the documents' context all read through here, so that they never
disagree about what is listed, what the lifecycle says or what the figures add up to.
"""
