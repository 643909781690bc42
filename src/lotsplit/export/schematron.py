"""Run an ISO Schematron (XSLT 2 query binding) in Python: the eForms SDK's static rules.

TED checks every eForms notice with the SDK's schematron (``schematrons/static/`` of the
eForms SDK: one ``complete-validation.sch`` with a phase per notice subtype, ``eforms-16``
for a contract notice, and the patterns it includes).  No schematron engine for XSLT 2 is
on PyPI, so this module compiles the schematron to an XSLT 3.0 stylesheet itself and runs
it with Saxon-HE (``saxonche``, an optional dependency: ``pip install lotsplit[validate]``).

The compiler implements the part of ISO Schematron (ISO/IEC 19757-3) the SDK uses:
``ns``, ``let`` (schema and pattern level), ``phase``/``active``, ``include``, ``pattern``,
``rule`` (``context``), ``assert`` (``id``, ``role``, ``test``, ``diagnostics``) and
``report``.  As in ISO Schematron, within one pattern a node is checked by the first rule
whose context matches it (one XSLT mode per pattern, rules in decreasing priority);
every pattern sees every element and attribute of the document.

>>> from pathlib import Path
>>> sdk = Path("../shared/standards/eforms-sdk")
>>> if sdk.exists():    # doctest: +SKIP
...     v = NoticeValidator(sdk, phase="eforms-16")
...     v.validate(sdk / "examples/notices/cn_24_minimal.xml").errors
[]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"
# Separators of the text report the compiled stylesheet writes (never in an id or a path).
_FIELD, _LINE = "\t", "\n"


@dataclass(frozen=True)
class Failure:
    """One failed assertion (or fired report): the rule id (``BR-BT-00031-0100``), its role
    (``ERROR``/``WARN``), the field it concerns (the ``diagnostics`` attribute, e.g.
    ``BT-31-Procedure``) and where in the notice (an XPath 3.0 ``path()``)."""

    id: str
    role: str
    field: str
    location: str

    def __str__(self) -> str:
        return f"{self.id} [{self.role}] {self.field or '-'} at {self.location}"


@dataclass(frozen=True)
class Report:
    """Every failure of one notice against one phase."""

    failures: tuple[Failure, ...]

    @property
    def errors(self) -> list[Failure]:
        return [f for f in self.failures if f.role.upper() in ("ERROR", "FATAL", "")]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f not in self.errors]

    def error_ids(self) -> set[str]:
        return {f.id for f in self.errors}


def _load(path: Path) -> etree._Element:
    return etree.parse(str(path), etree.XMLParser(remove_comments=True)).getroot()


def _patterns(schema: etree._Element, base: Path) -> dict[str, etree._Element]:
    """The schema's patterns by id, includes resolved relative to ``base``."""
    out: dict[str, etree._Element] = {}
    for child in schema:
        if child.tag == f"{_S}include":
            inc = _load(base / child.get("href"))
            if inc.tag == f"{_S}pattern":
                out[inc.get("id")] = inc
            else:
                out.update(_patterns(inc, base))
        elif child.tag == f"{_S}pattern":
            out[child.get("id")] = child
    return out


def phases(schema_path: str | Path) -> list[str]:
    """The phase ids of a schematron file (``eforms-1`` … ``eforms-E6`` for the SDK)."""
    return [p.get("id") for p in _load(Path(schema_path)).iter(f"{_S}phase")]


def compile_schematron(schema_path: str | Path, *, phase: str | None = None,
                       patterns: list[str] | None = None) -> bytes:
    """The XSLT 3.0 stylesheet that checks ``phase`` (every pattern when ``None``), or only
    the named ``patterns`` of it.  Its text output is one line per failure."""
    schema_path = Path(schema_path)
    schema = _load(schema_path)
    nsmap = {ns.get("prefix"): ns.get("uri") for ns in schema.iter(f"{_S}ns")}
    nsmap["xsl"] = XSL
    by_id = _patterns(schema, schema_path.parent)
    if phase is None or phase == "#ALL":
        active = list(by_id)
    else:
        ph = [p for p in schema.iter(f"{_S}phase") if p.get("id") == phase]
        if not ph:
            raise ValueError(f"{schema_path.name}: no phase {phase!r} (phases: {', '.join(phases(schema_path))})")
        active = [a.get("pattern") for a in ph[0].iter(f"{_S}active")]
    if patterns is not None:
        unknown = sorted(set(patterns) - set(active))
        if unknown:
            raise ValueError(f"patterns not in phase {phase}: {', '.join(unknown)}")
        active = [p for p in active if p in patterns]

    xsl = etree.Element(f"{_X}stylesheet", nsmap=nsmap, version="3.0")
    xsl.set("exclude-result-prefixes", "#all")
    etree.SubElement(xsl, f"{_X}output", method="text", encoding="UTF-8")
    # Lets become global variables (their context is the document, as in the skeleton).
    for let in schema.findall(f"{_S}let"):
        etree.SubElement(xsl, f"{_X}variable", name=let.get("name"), select=let.get("value"))
    for pid in active:
        for let in by_id[pid].findall(f"{_S}let"):
            etree.SubElement(xsl, f"{_X}variable", name=let.get("name"), select=let.get("value"))
    root = etree.SubElement(xsl, f"{_X}template", match="/")
    for k, pid in enumerate(active):
        etree.SubElement(root, f"{_X}apply-templates", select=".", mode=f"p{k}")
    for k, pid in enumerate(active):
        mode = f"p{k}"
        # Unmatched nodes: go on into attributes and children; text is dropped.
        etree.SubElement(xsl, f"{_X}mode", name=mode, **{"on-no-match": "shallow-skip"})
        rules = by_id[pid].findall(f"{_S}rule")
        for i, rule in enumerate(rules):
            t = etree.SubElement(xsl, f"{_X}template", match=rule.get("context"), mode=mode,
                                 priority=str(len(rules) - i))
            for check in rule:
                if check.tag not in (f"{_S}assert", f"{_S}report"):
                    continue
                test = check.get("test")
                cond = f"not({test})" if check.tag == f"{_S}assert" else f"({test})"
                iff = etree.SubElement(t, f"{_X}if", test=cond)
                line = _FIELD.join([check.get("id", ""), check.get("role", "ERROR"), check.get("diagnostics", "")])
                etree.SubElement(iff, f"{_X}value-of", select=f"'{line}{_FIELD}' || path() || '{_LINE}'")
            etree.SubElement(t, f"{_X}apply-templates", select="@*|node()", mode=mode)
    return etree.tostring(xsl, xml_declaration=True, encoding="UTF-8")


@functools.lru_cache(maxsize=1)
def _processor():
    from saxonche import PySaxonProcessor     # optional dependency (lotsplit[validate])

    return PySaxonProcessor(license=False)


class NoticeValidator:
    """The eForms SDK schematron for one phase, compiled once, applied to many notices.

    ``NoticeValidator(sdk_dir, phase="eforms-16")`` compiles
    ``sdk_dir/schematrons/static/complete-validation.sch``; ``patterns`` limits it to some
    of the phase's patterns (a quick subset)."""

    def __init__(self, sdk_dir: str | Path, *, phase: str, patterns: list[str] | None = None):
        sch = Path(sdk_dir) / "schematrons" / "static" / "complete-validation.sch"
        if not sch.exists():
            raise FileNotFoundError(f"{sch}: not found; pass the folder of an eForms SDK (it has schematrons/static/)")
        self.phase = phase
        self.xslt = compile_schematron(sch, phase=phase, patterns=patterns)
        # Locations read better with the schematron's prefixes than with Q{uri} names.
        self._prefixes = {f"Q{{{ns.get('uri')}}}": f"{ns.get('prefix')}:" for ns in _load(sch).iter(f"{_S}ns")}
        proc = _processor()
        self._exe = proc.new_xslt30_processor().compile_stylesheet(stylesheet_text=self.xslt.decode("utf-8"))

    def validate(self, notice: str | Path | bytes) -> Report:
        """Check one notice (a path or the XML bytes)."""
        proc = _processor()
        if isinstance(notice, bytes):
            doc = proc.parse_xml(xml_text=notice.decode("utf-8"))
        else:
            doc = proc.parse_xml(xml_file_name=str(Path(notice).resolve()))
        self._exe.set_global_context_item(xdm_item=doc)
        out = self._exe.apply_templates_returning_string(xdm_value=doc) or ""
        failures = []
        for line in out.split(_LINE):
            if line.strip():
                fid, role, field, loc = line.split(_FIELD)
                for q, prefix in self._prefixes.items():
                    loc = loc.replace(q, prefix)
                failures.append(Failure(fid, role, field, loc))
        return Report(tuple(failures))
