"""Shared bits of the export tests (no tests here: helpers for tests/test_export_*.py)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "scenario.toml"
FIXED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)

CORE_FILES = {"assignment.csv", "lots.csv", "plan.json", "lots.xlsx", "lots.gpkg", "lots.geojson", "map.png",
              "map.svg", "map.pdf", "map.html", "annex.html", "annex.pdf", "memo.html", "memo.pdf",
              "eforms_notice.xml", "ocds_release_package.json", "manifest.json",
              # The test scenarios have no [buyer]/[procedure]: the notice lists what it lacks.
              "notice_missing_fields.txt"}


class Page(HTMLParser):
    """Collects what a browser would act on: tags, URL-bearing attributes, text, scripts."""

    URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "data", "poster", "srcset", "background"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.urls: list[str] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append((tag, d))
        self.urls += [v or "" for k, v in attrs if k in self.URL_ATTRS or k.startswith("on")]
        self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "script":
            self.scripts.append(data)
        elif not (self._in and self._in[-1] == "style"):
            self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)
