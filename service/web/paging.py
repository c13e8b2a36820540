"""The page of a list a request asks for, and the links to the other pages of it."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from service.web.blueprint import web

# The most pages a link may ask for: a larger number is a typo or a probe, not a page.
MAX_PAGE = 100_000


def asked_page(param: str = "page") -> int:
    """The page number in the query string; anything else is the first page."""
    number = request.args.get(param, 1, type=int) or 1
    return max(1, min(number, MAX_PAGE))


@web.app_template_global()
def page_url(param: str, number: int) -> str:
    """This page's URL with page `number` of the list paged by `param`, keeping every other
    filter and page of the query string."""
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != param}
    if number > 1:
        args[param] = number
    return url_for(request.endpoint or "web.campaigns", **{**(request.view_args or {}), **args})
