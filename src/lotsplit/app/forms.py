"""The change form: costs, rules and the objective, read and checked like the files.

The fields, their labels, help texts, units and choices are the scenario workbook's
(:mod:`lotsplit.scenario.fields`, sheets Costs and Rules), in the scenario's language.  A
value typed into the form is read by the workbook's own cell reader (numbers by the
scenario's locale, yes/no, ``a + b; c`` sets) and the result goes through
:func:`lotsplit.with_overrides`, so a wrong value gets the message a wrong cell or TOML
field gets, with the form field's label as its place.

A variant is the base scenario plus the fields that differ from it; :func:`variant_toml`
writes it as a variant file (``extends`` and the changed fields, README "Variants").

>>> from lotsplit.app.forms import form_fields
>>> [f.label for f in form_fields("sv") if f.key.startswith("rules.max_lots")]
['Högsta antal delkontrakt', 'Högst antal delkontrakt per anbudsgivare', 'Högst antal delkontrakt att lämna anbud på']
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any

from lotsplit.errors import Problem, ScenarioError
from lotsplit.scenario import fields as F

SECTIONS = ("costs", "competition", "rules", "objective")
"""The sections of the scenario the form changes."""


@dataclass(frozen=True)
class FormField:
    key: str                      # "rules.max_lots"
    label: str
    help: str
    unit: str
    kind: str                     # bool, int, float, choice, sets, text
    choices: tuple[tuple[str, str], ...] = ()   # (value, words)
    heading: str = ""             # a heading shown before this field


def form_fields(lang: str, currency: str = "") -> list[FormField]:
    """The form's fields in the workbook's order (Costs, then Rules), with its headings."""
    out: list[FormField] = []
    heading = ""
    for sheet in ("costs", "rules"):
        for row in F.layout(sheet):
            if "heading" in row:
                heading = F._pick(row["heading"], lang)
                continue
            key = row["key"]
            if key.split(".")[0] not in SECTIONS:
                continue
            kind = F.kind(key)
            choices: tuple = ()
            if kind == "choice":
                choices = tuple((v, F.choice_word(key, v, lang) if F.choice_list(key) else v)
                                for v in F.literal_values(key))
            out.append(FormField(key, F._pick(row["label"], lang), F._pick(row.get("help", ""), lang),
                                 F.unit_text(row.get("unit"), lang, currency), kind, choices, heading))
            heading = ""
    return out


def shown_value(value: Any, kind: str, lang: str) -> str:
    """A field's value as the form shows it (and reads it back)."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "sets":
        return "; ".join(" + ".join(map(str, part)) for part in value)
    if kind in ("int", "float") and isinstance(value, (int, float)):
        text = str(int(value)) if float(value).is_integer() else repr(float(value))
        return text.replace(".", ",") if lang in ("sv", "da") else text
    return str(value)


def current_values(config, lang: str) -> dict[str, str]:
    return {f.key: shown_value(_get(config, f.key), f.kind, lang) for f in form_fields(lang)}


def _get(config, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(config, section), name)


def read_form(base, form: dict[str, str], *, lang: str, file: str):
    """The base scenario with the form's values: ``(scenario, changes)`` where
    ``changes`` is ``{section: {field: value}}``, the fields that differ from ``base``.
    Raises :class:`~lotsplit.errors.ScenarioError` with every problem, each naming the
    form field by its label."""
    import pydantic

    from lotsplit.engine.optimize import with_overrides
    from lotsplit.scenario.config_file import _config_problem
    from lotsplit.scenario.numbers import locale_decimal
    from lotsplit.scenario.workbook import _convert

    cfg = base.config
    decimal = locale_decimal(cfg.language, cfg.country)
    specs = {f.key: f for f in form_fields(lang, cfg.currency)}
    problems: list[Problem] = []
    parts: dict[str, dict[str, Any]] = {}
    for key, spec in specs.items():
        text = str(form.get(key, "")).strip()
        section, name = key.split(".")
        model = type(getattr(cfg, section))
        before = len(problems)
        value = _convert(key, text, file, spec.label, problems, decimal) if text else None
        if len(problems) > before:
            continue                        # named already; the section is checked without it
        if value is None:
            info = model.model_fields[name]
            if info.is_required():
                problems.append(Problem(file, spec.label, "required field is missing", "fill in the field"))
                continue
            value = info.get_default(call_default_factory=True)
        parts.setdefault(section, {})[name] = value
    # Each section is checked by its model, all of them, so every problem shows at once.
    locate = functools.partial(_label, specs)
    for section, values in parts.items():
        current = getattr(cfg, section)
        try:
            type(current).model_validate({**current.model_dump(), **values})
        except pydantic.ValidationError as exc:
            problems += [_config_problem(file, {**e, "loc": (section, *e["loc"])}, locate=locate) for e in exc.errors()]
    if problems:
        raise ScenarioError(problems)
    scenario = with_overrides(base, **parts)
    changes: dict[str, dict[str, Any]] = {}
    for key in specs:
        section, name = key.split(".")
        new, old = _get(scenario.config, key), _get(cfg, key)
        if new != old:
            changes.setdefault(section, {})[name] = new
    return scenario, changes


def _label(specs: dict[str, FormField], loc: tuple) -> str:
    key = ".".join(str(x) for x in loc if not isinstance(x, int))
    return specs[key].label if key in specs else key


def renamed(scenario, name: str):
    """The scenario under another name (a variant's)."""
    return dataclasses.replace(scenario, config=scenario.config.model_copy(update={"name": name}))


def variant_toml(*, extends: str, name: str, changes: dict[str, dict[str, Any]]) -> str:
    """A variant file: ``extends``, its name, ``unset`` for settings the variant clears,
    and the changed fields by section (README "Variants").

    >>> print(variant_toml(extends="../scenario.toml", name="Högst 6", changes={"rules": {"max_lots": 6}}))
    # A variant made in the lotsplit app.
    extends = "../scenario.toml"
    name = "Högst 6"
    <BLANKLINE>
    [rules]
    max_lots = 6
    <BLANKLINE>
    """
    unset = [f"{s}.{k}" for s, fields_ in changes.items() for k, v in fields_.items() if v is None]
    lines = ["# A variant made in the lotsplit app.", f"extends = {_toml(extends)}", f"name = {_toml(name)}"]
    if unset:
        lines.append(f"unset = {_toml(unset)}")
    for section in SECTIONS:
        set_ = {k: v for k, v in changes.get(section, {}).items() if v is not None}
        if set_:
            lines += ["", f"[{section}]"] + [f"{k} = {_toml(v)}" for k, v in set_.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a TOML basic string (same escapes), quotes and newlines escaped.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to a variant file")
