"""The words of the scenario workbook and of table headers, in Swedish, Danish and English.

They live in ``lotsplit/data/workbook.toml``: sheet names, the label, unit and comment of
every scenario field, the header of every table column, and the words of every choice.
Reading accepts the words of any language (and the TOML names), so headers such as
``Varugrupper``, ``Leverandør-id`` or ``Capacity per year (SEK)`` are understood in any
table, CSV included.

>>> column_aliases("suppliers")["kapacitet per år"]
'capacity'
>>> choice_value("product_groups.nature", "tjänster")
'services'
"""

from __future__ import annotations

import functools
import tomllib
import types
import typing
from importlib import resources
from typing import Any, Literal

from lotsplit.scenario.tables import normalise_header

LANGS = ("sv", "da", "en")


@functools.lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return tomllib.loads(resources.files("lotsplit").joinpath("data/workbook.toml").read_text("utf-8"))


def _pick(words: dict[str, Any] | str, lang: str) -> str:
    if isinstance(words, str):
        return words
    return words.get(lang) or words.get("en", "")


def sheet_name(sheet: str, lang: str) -> str:
    return _pick(data()["sheets"][sheet], lang)


def sheet_of(name: str) -> str | None:
    """The sheet key of a sheet name in any language (``Leverantörer`` -> ``suppliers``)."""
    n = name.strip().casefold()
    for key, words in data()["sheets"].items():
        if n == key.replace("_", " ") or n in (w.casefold() for w in words.values()):
            return key
    return None


def word(key: str, lang: str, **kw: Any) -> str:
    text = _pick(data()["words"][key], lang)
    return text.format(**kw) if kw else text


def layout(sheet: str) -> list[dict[str, Any]]:
    """The rows of a key/value sheet: ``{"heading": …}`` or ``{"key", "label", "help", "unit"}``."""
    return list(data()["layout"][sheet])


@functools.lru_cache(maxsize=1)
def _fields() -> dict[str, dict[str, Any]]:
    return {e["key"]: {**e, "sheet": s} for s, rows in data()["layout"].items() for e in rows if "key" in e}


def field(key: str) -> dict[str, Any]:
    return _fields()[key]


def field_keys() -> list[str]:
    return list(_fields())


@functools.lru_cache(maxsize=1)
def label_index() -> dict[str, str]:
    """Normalised label (any language) or TOML name -> field key, for each key/value sheet row."""
    out: dict[str, str] = {}
    for key, f in _fields().items():
        for lang in LANGS:
            out.setdefault(normalise_header(f["label"][lang]), key)
    for key in _fields():
        out.setdefault(normalise_header(key), key)
    return out


def label_collisions() -> list[tuple[str, str, str]]:
    """Labels (any language) that two fields share: ``(label, field, other field)``.
    There must be none, or the workbook could not be read back."""
    seen: dict[str, str] = {}
    out = []
    for key, f in _fields().items():
        for lang in LANGS:
            n = normalise_header(f["label"][lang])
            if seen.setdefault(n, key) != key:
                out.append((f["label"][lang], seen[n], key))
    return out


def unit_text(unit: str | None, lang: str, currency: str) -> str:
    """The unit shown after a label or header: ``SEK``, ``år``, ``km``…"""
    if not unit:
        return ""
    key = {"currency": "currency_unit"}.get(unit, unit)
    return word(key, lang, cur=currency)


# --------------------------------------------------------------------------- choices

def choice_list(key: str) -> str | None:
    """The choice list a field or column uses (``"rules.bundling"`` -> ``"bundling"``)."""
    return data()["choice_of"].get(key)


def choices(key: str) -> dict[str, dict[str, str]]:
    """Value -> words per language, for a field or column with a choice list."""
    name = choice_list(key)
    return dict(data()["choices"][name]) if name else {}


def choice_word(key: str, value: str, lang: str) -> str:
    words = choices(key).get(value)
    return _pick(words, lang) if words else str(value)


def choice_value(key: str, text: str) -> str | None:
    """The value of a choice written in any language, or as the value itself; ``None``
    when it is none of them."""
    t = normalise_header(text)
    for value, words in choices(key).items():
        if t == normalise_header(value) or t in (normalise_header(w) for w in words.values()):
            return value
    return None


# --------------------------------------------------------------------------- table columns

def columns(role: str) -> dict[str, dict[str, Any]]:
    """Column -> ``{sv, da, en, help}`` of a table (``suppliers``, ``product_groups``…)."""
    return dict(data()["columns"].get(role, {}))


def column_label(role: str, column: str, lang: str) -> str:
    c = columns(role).get(column)
    return _pick(c, lang) if c else column


def column_help(role: str, column: str, lang: str) -> str:
    c = columns(role).get(column)
    return _pick(c.get("help", {}), lang) if c else ""


@functools.lru_cache(maxsize=None)
def column_aliases(role: str) -> dict[str, str]:
    """Normalised header (any language, or the column name) -> column name."""
    out: dict[str, str] = {}
    for col, words in columns(role).items():
        out[normalise_header(col)] = col
        for lang in LANGS:
            out.setdefault(normalise_header(words[lang]), col)
    return out


# --------------------------------------------------------------------------- field types

def field_info(key: str) -> Any:
    """The pydantic field of a scenario field (``"rules.max_lots"``)."""
    from lotsplit.config import ScenarioConfig

    model: Any = ScenarioConfig
    info: Any = None
    for part in key.split("."):
        info = model.model_fields[part]
        ann = info.annotation
        model = next((a for a in (ann, *typing.get_args(ann)) if isinstance(a, type) and hasattr(a, "model_fields")),
                     None)
    return info


def annotation(key: str) -> Any:
    """The type of a scenario field (``"rules.max_lots"`` -> ``int | None``)."""
    return field_info(key).annotation


def bounds(key: str) -> tuple[float | None, float | None, bool]:
    """``(lower, upper, lower_strict)`` of a numeric field, from its constraints."""
    lower = upper = None
    strict = False
    for m in field_info(key).metadata:
        for attr, is_lower, is_strict in (("ge", True, False), ("gt", True, True), ("le", False, False),
                                          ("lt", False, True)):
            v = getattr(m, attr, None)
            if v is not None:
                if is_lower:
                    lower, strict = float(v), is_strict
                else:
                    upper = float(v)
    return lower, upper, strict


def kind(key: str) -> str:
    """How a field is written in a cell: ``bool``, ``int``, ``float``, ``choice``, ``date``,
    ``datetime``, ``sets`` (``a + b; c``), ``numbers`` (``1; 1``) or ``text``."""
    import datetime as dt

    ann = annotation(key)
    union = typing.get_origin(ann) in (typing.Union, types.UnionType)
    args = [a for a in typing.get_args(ann) if a is not type(None)] if union else [ann]
    if any(typing.get_origin(a) is Literal for a in args):
        return "choice"
    first = args[0]
    if first is bool:
        return "bool"
    if first is int:
        return "int"
    if first is float:
        return "float"
    if dt.datetime in args:
        return "datetime"
    if first is dt.date:
        return "date"
    if typing.get_origin(first) is tuple:
        inner = typing.get_args(first)[0]
        return "sets" if typing.get_origin(inner) is tuple else "numbers"
    return "text"


def literal_values(key: str) -> list[str]:
    ann = annotation(key)
    for a in (ann, *typing.get_args(ann)):
        if typing.get_origin(a) is Literal:
            return [str(v) for v in typing.get_args(a)]
    return []
