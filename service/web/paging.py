"""The page of a list a request asks for, and the links to the other pages of it."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from service.web.blueprint import web
from service.web.forms import clean

# The most pages a link may ask for: a larger number is a typo or a probe, not a page.
MAX_PAGE = 100_000
SEARCH_LENGTH = 200


def asked_page(param: str = "page") -> int:
    """The page number in the query string; anything else is the first page."""
    number = request.args.get(param, 1, type=int) or 1
    return max(1, min(number, MAX_PAGE))


def asked_search(param: str = "q") -> str:
    """A list's search text from the query string, as stored text is (NFC), at most 200
    characters (the search fields' own limit)."""
    return clean(request.args.get(param, ""))[:SEARCH_LENGTH]


@web.app_template_global()
def page_url(
    param: str, number: int, endpoint: str = "", args: dict[str, Any] | None = None
) -> str:
    """The URL of page `number` of the list paged by `param`: this page's, keeping every other
    filter and page of the query string; or `endpoint`'s with `args` (a page re-drawn after a
    refused form, whose own URL is the form's)."""
    if not endpoint:
        endpoint = request.endpoint or "web.campaigns"
        args = {**(request.view_args or {}), **request.args.to_dict()}
    kept: dict[str, Any] = {k: v for k, v in (args or {}).items() if k != param}
    if number > 1:
        kept[param] = number
    return url_for(endpoint, **kept)
