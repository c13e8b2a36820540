"""The web blueprint, imported by every module of the UI."""

from __future__ import annotations

from apiflask import APIBlueprint

# An APIBlueprint kept out of the OpenAPI document: APIFlask's spec needs to know every
# blueprint's `enable_openapi`, and these pages are not part of the API.
web = APIBlueprint(
    "web",
    __name__,
    enable_openapi=False,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
