"""Reading the scenario file: TOML, ``extends`` chains, ``unset``, and config problems.

A variant extends a base scenario and overrides some fields (tables merge key by key, see
``lotsplit.variants``).  To *remove* a setting it inherits (a file, a limit), a variant
lists the fields in ``unset``::

    extends = "../scenario.toml"
    unset = ["rules.max_lots", "geography.distance_matrix"]

Data-file paths are made absolute against the file that names them, so they stay relative
to that file whoever extends it.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
import typing
from pathlib import Path
from typing import Any, Callable

import pydantic

from lotsplit.config import ScenarioConfig
from lotsplit.errors import Problem, ScenarioError, raise_if_errors


def read_config(path: str | Path) -> tuple[ScenarioConfig, Path]:
    """Read and validate a scenario TOML (following ``extends``); errors name the field."""
    config, path, problems = _read_config(Path(path))
    raise_if_errors(problems)
    return config, path


def _read_config(path: Path) -> tuple[ScenarioConfig | None, Path, list[Problem]]:
    """Read the scenario TOML.  On invalid fields, return the problems together with a
    stand-in config (the invalid fields left at their defaults) when the data files can
    still be located, so ``load_scenario`` can check them in the same round; the
    stand-in is ``None`` when they cannot."""
    raw = _read_toml_chain(path, seen=())
    config, problems = validate_config(raw, path.name)
    return config, path, problems


def validate_config(raw: dict, file: str, *, locate: Callable[[tuple], str] | None = None
                    ) -> tuple[ScenarioConfig | None, list[Problem]]:
    """Validate a raw scenario dict: the config and no problems, or the problems and a
    lenient stand-in (see :func:`_read_config`).  ``locate`` turns a field's location
    into the place shown (a workbook cell); default: the dotted field name."""
    try:
        return ScenarioConfig.model_validate(raw), []
    except pydantic.ValidationError as exc:
        problems = [_config_problem(file, err, locate) for err in exc.errors()]
        return _lenient_config(raw, exc), problems


def _config_problem(file: str, err: dict, locate: Callable[[tuple], str] | None = None) -> Problem:
    loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
    if locate is not None:
        loc = locate(tuple(err["loc"])) or loc
    msg, kind = err["msg"], err["type"]
    if kind == "extra_forbidden":
        known = _known_fields(err["loc"][:-1])
        close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Problem(file, loc, "unknown field", f"{hint}fields allowed here: {', '.join(known)} (see README.md "
                       "and src/lotsplit/config.py)")
    if kind == "missing":
        return Problem(file, loc, "required field is missing",
                       "fill in the cell" if locate is not None else "add it to the scenario file")
    got = err.get("input")
    if not isinstance(got, (dict, list)) and err["loc"]:
        msg = f"{msg} (got {got!r})"
    return Problem(file, loc, msg, "correct the value (each field is documented in src/lotsplit/config.py)")


def _known_fields(loc: tuple) -> list[str]:
    """Field names of the model at ``loc`` inside :class:`ScenarioConfig`."""
    model: Any = ScenarioConfig
    for key in loc:
        if isinstance(key, int):
            continue
        field_info = model.model_fields.get(key)
        if field_info is None:
            return []
        model = _model_in(field_info.annotation)
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_PLACEHOLDERS: dict[tuple, Any] = {("name",): "?", ("contract_years",): 1.0, ("costs",): {"per_lot": 0.0},
                                   ("costs", "per_lot"): 0.0}


def _lenient_config(raw: dict, exc: pydantic.ValidationError) -> ScenarioConfig | None:
    """The config with every invalid field dropped (so its default applies) and required
    non-file fields filled with placeholders; ``None`` when that is not enough."""
    lenient = copy.deepcopy(raw)
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "missing":
            if loc not in _PLACEHOLDERS:
                return None
            _set_path(lenient, loc, copy.deepcopy(_PLACEHOLDERS[loc]))
        elif not _drop_path(lenient, loc):
            return None
    try:
        return ScenarioConfig.model_validate(lenient)
    except pydantic.ValidationError:
        return None


def _drop_path(raw: dict, loc: tuple) -> bool:
    node: Any = raw
    for k, key in enumerate(loc):
        if not isinstance(node, dict) or key not in node:
            return False
        if k == len(loc) - 1 or not isinstance(node[key], dict):
            if key in _FILE_SECTIONS:
                return False  # without the data file's section there is nothing to check
            del node[key]
            return True
        node = node[key]
    return False


def _set_path(raw: dict, loc: tuple, value: Any) -> None:
    node = raw
    for key in loc[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            return
    node[loc[-1]] = value


def _read_toml_chain(path: Path, seen: tuple[Path, ...], *, named_by: Path | None = None) -> dict[str, Any]:
    """Read a TOML file; if it ``extends`` another, merge it over that one (tables merge
    key by key, everything else replaces).  Data-file paths stay relative to the file
    that names them."""
    if not path.is_file():
        if named_by is not None:
            raise ScenarioError([Problem(named_by.name, "extends", f"the scenario it extends was not found at {path}",
                                         "'extends' is a path relative to the scenario file")])
        raise ScenarioError([Problem(str(path), "", "scenario file not found", "check the path")])
    if path.resolve() in seen:
        raise ScenarioError([Problem(path.name, "extends", "scenarios extend each other in a loop",
                                     "remove one of the 'extends'")])
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(path.name, "", f"not valid TOML: {exc}", "fix the syntax")]) from None
    _absolutise_files(raw, path.parent)
    unset = _unset_list(raw.pop("unset", []), path.name)
    parent = raw.get("extends")
    if not parent:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError([Problem(path.name, "extends", f"must be a path (text), not {parent!r}",
                                     "write extends = \"../base/scenario.toml\"")])
    base = _read_toml_chain((path.parent / parent), seen + (path.resolve(),), named_by=path)
    base.pop("extends", None)
    for dotted in unset:
        _pop_path(base, tuple(dotted.split(".")))
    merged = _merge(base, raw)
    merged["extends"] = str(parent)
    return merged


def _unset_list(value: Any, file: str) -> list[str]:
    """The fields a variant removes from what it extends; each must name a field."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError([Problem(file, "unset", f"must be a list of field names, not {value!r}",
                                     "write unset = [\"rules.max_lots\", \"geography.distance_matrix\"]")])
    problems = []
    for k, dotted in enumerate(value):
        parts = dotted.split(".")
        known = _known_fields(tuple(parts[:-1]))
        if parts[-1] not in known:
            close = difflib.get_close_matches(parts[-1], known, n=1)
            problems.append(Problem(file, f"unset[{k}]", f"'{dotted}' is not a field of the scenario",
                                    (f"did you mean '{'.'.join(parts[:-1] + [close[0]])}'? " if close else "")
                                    + "name a field as section.key, e.g. rules.max_lots"))
    raise_if_errors(problems)
    return list(value)


def _pop_path(raw: dict, loc: tuple) -> None:
    node: Any = raw
    for key in loc[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(loc[-1], None)


_FILE_KEYS = (("areas", "file"), ("product_groups", "file"), ("demand", "file"), ("suppliers", "file"),
              ("geography", "distance_matrix"))
_FILE_SECTIONS = ("areas", "product_groups", "demand", "suppliers", "file")


def _absolutise_files(raw: dict, base: Path) -> None:
    for section, key in _FILE_KEYS:
        sub = raw.get(section)
        if not isinstance(sub, dict):
            continue
        if isinstance(sub.get(key), str):
            sub[key] = str((base / sub[key]).resolve())
        elif isinstance(sub.get(key), dict) and isinstance(sub[key].get("file"), str):
            sub[key]["file"] = str((base / sub[key]["file"]).resolve())
    legacy = raw.get("baselines", {}).get("legacy") if isinstance(raw.get("baselines"), dict) else None
    for item in legacy if isinstance(legacy, list) else []:
        if isinstance(item, dict) and isinstance(item.get("file"), str):
            item["file"] = str((base / item["file"]).resolve())


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out
