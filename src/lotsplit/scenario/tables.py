"""One reader for every table of a scenario: CSV, an Excel sheet, a GIS layer, or a table in memory.

Whatever the source, a :class:`Table` holds the cells as stripped strings or as numbers
(Excel and GeoPackage cells that are numbers stay numbers; see ``numbers.py`` for text),
under canonical column names, and knows where each cell is, so every problem can name the
row and column of a CSV (``row 14, column groups``), the sheet and cell of a workbook
(``sheet Leverantörer, cell F14 (Varugrupper)``) or the feature of a GIS layer.

What spreadsheets leave behind is skipped silently: blank rows, empty columns without a
header (``Unnamed: 13``), trailing separators, a byte-order mark.  ``;``-separated CSV
(Excel's default in Swedish and Danish) is read like ``,``-separated.  A row with more
values than the header is an error that says why it happens (a ``,`` inside a value).

>>> t = Table.from_frame(pd.DataFrame({"id": ["a"], "value": [1.5]}), file="memory")
>>> t.where(0, "value")
'row 2, column value'
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lotsplit.errors import Problem

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GIS_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".parquet", ".geoparquet")
_LEFTOVER = re.compile(r"^(unnamed: ?\d+(_level_\d+)?|column\d+|kolumn\d+|kolonne\d+)$", re.I)


def column_letter(j: int) -> str:
    """Spreadsheet column of the 0-based index ``j``: 0 -> A, 27 -> AB."""
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def strip_unit(text: str) -> str:
    """``Kapacitet per år (SEK)`` -> ``Kapacitet per år``: one unit in brackets at the end."""
    return re.sub(r"\s*[\(\[][^()\[\]]*[\)\]]\s*$", "", str(text)).strip()


def plain_header(text: str) -> str:
    """Header text without case, ``_`` or repeated spaces."""
    return re.sub(r"\s+", " ", str(text).replace("_", " ").strip().casefold())


def normalise_header(text: str) -> str:
    """Header text compared with known headers: case, spaces and a unit in brackets
    (``Kapacitet per år (SEK)``) do not matter."""
    return plain_header(strip_unit(text))


@dataclass
class Table:
    """A table as read, with the place of every cell.

    ``frame`` has one column per canonical column name and object cells (stripped
    ``str``, ``int``/``float``, ``bool``); ``rows`` gives each data row's row number in
    the source (the header is row 1 of a CSV), ``headers`` each column's header as
    written and its position.
    """

    frame: pd.DataFrame
    file: str
    kind: str = "memory"
    """``csv``, ``xlsx``, ``gis`` or ``memory``."""
    sheet: str | None = None
    rows: list[int] = field(default_factory=list)
    headers: dict[str, tuple[str, int]] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, file: str, aliases: dict[str, str] | None = None) -> Table:
        """A table handed over in memory (notebooks, tests); rows are numbered as in a CSV."""
        frame = df.copy().reset_index(drop=True)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame = frame.astype(object).map(_cell)
        t = cls(frame, file, "memory", rows=[i + 2 for i in range(len(frame))],
                headers={c: (c, j) for j, c in enumerate(frame.columns)})
        return t.renamed(aliases or {})

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def __len__(self) -> int:
        return len(self.frame)

    def where(self, i: int | None, column: str | None = None) -> str:
        """Where data row ``i`` (and ``column``) is, in the words of its source."""
        head, j = self.headers.get(column, (column, None)) if column else (None, None)
        if self.kind == "xlsx":
            if i is None:
                return f"sheet {self.sheet}, column {column_letter(j)} ({head})" if j is not None else f"sheet {self.sheet}"
            if j is None:
                return f"sheet {self.sheet}, row {self.rows[i]}"
            return f"sheet {self.sheet}, cell {column_letter(j)}{self.rows[i]} ({head})"
        if self.kind == "gis":
            base = f"feature {self.rows[i]}" if i is not None else ""
            return f"{base}, field {head}".lstrip(", ") if column else base
        if i is None:
            return f"column {head}" if column else ""
        return f"row {self.rows[i]}, column {head}" if column else f"row {self.rows[i]}"

    def header_where(self) -> str:
        return f"sheet {self.sheet}, header row" if self.kind == "xlsx" else "header"

    def text(self, i: int, column: str) -> str:
        """The cell as text (numbers as written: ``101``, ``0.5``); ``""`` when the column is absent."""
        if column not in self.frame.columns:
            return ""
        return as_text(self.frame.iat[i, self.frame.columns.get_loc(column)])

    def renamed(self, aliases: dict[str, str]) -> Table:
        """Columns renamed to their canonical names (``aliases``: normalised header ->
        name); headers that are canonical names already are kept."""
        if not aliases:
            return self
        canonical = set(aliases.values())
        mapping = {}
        for c in self.frame.columns:
            if c in canonical:
                continue
            name = aliases.get(normalise_header(c))
            if name and name not in self.frame.columns and name not in mapping.values():
                mapping[c] = name
        if mapping:
            self.frame = self.frame.rename(columns=mapping)
            self.headers = {mapping.get(c, c): v for c, v in self.headers.items()}
        return self


def _cell(v: Any) -> Any:
    """A cell as the checks see it: stripped text, a finite number, a bool, or ``""``."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return v
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            v = v.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(v, float) and math.isnan(v):
        return ""
    if isinstance(v, int | float):
        return v
    if isinstance(v, (list, tuple, set)):
        return ";".join(str(x) for x in v)
    try:
        if pd.isna(v):
            return ""
    except (TypeError, ValueError):
        pass
    return str(v).strip()


def as_text(v: Any) -> str:
    """A cell as text: ``101.0`` from Excel reads ``101`` (an id), bools ``true``/``false``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return "" if v is None else str(v)


# --------------------------------------------------------------------------- reading files

def read_table(path: Path, problems: list[Problem], *, sheet: str | None = None, layer: str | None = None,
               aliases: dict[str, str] | None = None, shown: str | None = None, role: str = "table",
               option: str = "file") -> Table | None:
    """Read a CSV, an Excel sheet or a GIS layer; ``None`` (with a problem) when it cannot
    be read.  ``shown`` is the file name problems carry (default: the file's name);
    ``option`` the scenario setting that names the file (for hints)."""
    shown = shown or path.name
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(path, sheet, shown, problems, option)
    elif suffix in GIS_SUFFIXES:
        table = _read_gis(path, layer, shown, problems, role)
    elif suffix == ".xls" or suffix == ".ods":
        problems.append(Problem(shown, "", f"cannot read {suffix} files", "save it as an Excel workbook (.xlsx) or "
                                "as CSV"))
        return None
    else:
        table = _read_csv(path, shown, problems)
    return table.renamed(aliases or {}) if table is not None else None


def _decode(data: bytes, shown: str, problems: list[Problem]) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        problems.append(Problem(shown, "", "the file is neither UTF-8 nor Windows-1252 text",
                                "save it as 'CSV UTF-8' from Excel"))
        return None
    problems.append(Problem(shown, "", "the file is not UTF-8; read as Windows-1252 (Excel's 'CSV' format)",
                            "check that å, ä, ö, æ, ø read right; 'CSV UTF-8' avoids the question",
                            severity="note"))
    return text


def _delimiter(text: str) -> str:
    """``,``, ``;`` or tab: whichever the first non-blank line has most of outside quotes."""
    for line in text.splitlines():
        if line.strip().strip(",;\t"):
            bare = re.sub(r'"[^"]*"', "", line)
            counts = {d: bare.count(d) for d in (",", ";", "\t")}
            best = max(counts, key=lambda d: (counts[d], d == ","))
            return best if counts[best] else ","
    return ","


def _read_csv(path: Path, shown: str, problems: list[Problem]) -> Table | None:
    text = _decode(path.read_bytes(), shown, problems)
    if text is None:
        return None
    delim = _delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, skipinitialspace=True))
    except csv.Error as exc:
        problems.append(Problem(shown, "", f"cannot read the CSV ({exc})", "save it again as CSV from Excel"))
        return None
    numbered = [(k + 1, [c.strip() for c in r]) for k, r in enumerate(records)]
    return _from_records(numbered, shown, problems, kind="csv", delim=delim)


def _read_excel(path: Path, sheet: str | None, shown: str, problems: list[Problem], option: str) -> Table | None:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a runtime dependency
        problems.append(Problem(shown, "", "reading .xlsx needs openpyxl", "pip install openpyxl"))
        return None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors: the message is what matters
        problems.append(Problem(shown, "", f"cannot read the workbook ({type(exc).__name__}: {exc})",
                                "save it again from Excel as .xlsx"))
        return None
    try:
        names = wb.sheetnames
        if sheet is None:
            if len(names) == 1:
                sheet = names[0]
            else:
                problems.append(Problem(shown, "", f"the workbook has {len(names)} sheets ({', '.join(names)})",
                                        f"name the sheet with sheet = \"…\" next to {option}"))
                return None
        match = {n.casefold(): n for n in names}.get(sheet.casefold())
        if match is None:
            problems.append(Problem(shown, "", f"there is no sheet '{sheet}' (sheets: {', '.join(names)})",
                                    "correct the sheet name"))
            return None
        ws = wb[match]
        numbered = [(r + 1, [_excel_cell(v) for v in row]) for r, row in enumerate(ws.iter_rows(values_only=True))]
    finally:
        wb.close()
    return _from_records(numbered, shown, problems, kind="xlsx", delim=None, sheet=match)


def _excel_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, str):
        return v.strip()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _read_gis(path: Path, layer: str | None, shown: str, problems: list[Problem], role: str) -> Table | None:
    import geopandas as gpd
    import shapely

    try:
        gdf = gpd.read_parquet(path) if path.suffix.lower() in (".parquet", ".geoparquet") else \
            gpd.read_file(path, **({"layer": layer} if layer else {}))
    except Exception as exc:  # GDAL/pyogrio raise many types
        problems.append(Problem(shown, "", f"cannot read the layer ({str(exc).replace(str(path), shown)})",
                                "name the layer with layer = \"…\" next to the file"))
        return None
    frame = pd.DataFrame(gdf.drop(columns=[gdf.geometry.name]) if gdf.geometry is not None else gdf)
    geoms = gdf.geometry if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry is not None else None
    if geoms is not None and len(geoms) and role == "suppliers":
        kinds = set(geoms.dropna().geom_type)
        if kinds <= {"Point"} and kinds:
            if shapely.has_z(geoms.dropna().to_numpy()).any():
                problems.append(Problem(shown, "", "the points have z-coordinates (heights); they are ignored",
                                        severity="note"))
            pts = geoms.to_crs("EPSG:4326") if geoms.crs is not None else geoms
            for col, values in (("lon", pts.x), ("lat", pts.y)):
                if col not in frame.columns:
                    frame[col] = values.round(7).to_numpy()
        else:
            problems.append(Problem(shown, "", f"the layer's geometries are {', '.join(sorted(kinds))}, not points; "
                                    "suppliers are located by their lon/lat or area_id columns only", severity="note"))
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.reset_index(drop=True).astype(object).map(_cell)
    return Table(frame, shown, "gis", rows=[i + 1 for i in range(len(frame))],
                 headers={c: (c, j) for j, c in enumerate(frame.columns)})


def _from_records(numbered: list[tuple[int, list]], shown: str, problems: list[Problem], *, kind: str,
                  delim: str | None, sheet: str | None = None) -> Table | None:
    """Header and data rows from raw records, skipping what spreadsheets leave behind."""
    filled = [(n, r) for n, r in numbered if any(c != "" for c in r)]
    if not filled:
        problems.append(Problem(shown, f"sheet {sheet}" if sheet else "", "the table is empty",
                                "put the column names in the first row and one row per item below"))
        return None
    _, header = filled[0]
    data = filled[1:]
    width = max([len(header)] + [len(r) for _, r in data])
    header = [as_text(h) for h in header] + [""] * (width - len(header))
    place = (lambda j: f"sheet {sheet}, column {column_letter(j)}") if kind == "xlsx" else \
        (lambda j: f"header, column {j + 1}")
    keep: list[int] = []
    for j, h in enumerate(header):
        blank_header = h == "" or bool(_LEFTOVER.match(h))
        values = any(j < len(r) and r[j] != "" for _, r in data)
        if blank_header and not values:
            continue                        # an empty leftover column: skip silently
        if blank_header:
            if kind == "csv" and h == "":
                continue                    # values beyond the header: reported per row below
            problems.append(Problem(shown, place(j), f"the column has values but no name ('{h}')" if h else
                                    "the column has values but no name", "name the column in the header row, or "
                                    "delete the column"))
            continue
        keep.append(j)
    names = [header[j] for j in keep]
    seen: dict[str, int] = {}
    for j, name in zip(keep, names):
        if name in seen:
            problems.append(Problem(shown, place(j), f"column '{name}' appears twice (also {place(seen[name])})",
                                    "keep one column with this name"))
        seen.setdefault(name, j)
    if len(set(names)) != len(names):
        return None
    rows, out = [], []
    for n, r in data:
        extra = [c for c in r[len(header):] if c != ""] if kind == "csv" else []
        if kind == "csv" and (extra or any(r[j] != "" for j in range(len(r)) if j < len(header) and header[j] == "")):
            used = max(j for j in range(len(r)) if r[j] != "") + 1
            sep = "';'" if delim == ";" else "','" if delim == "," else "tab"
            problems.append(Problem(shown, f"row {n}", f"the row has {used} values but the header has "
                                    f"{sum(1 for h in header if h)} columns",
                                    f"a {sep} inside a value splits it: put that value in double quotes"
                                    + (", or, if it is a decimal comma, save the file as 'CSV (semicolon "
                                       "delimited)' so ',' can stay the decimal separator" if delim == "," else "")))
            continue
        rows.append(n)
        out.append([r[j] if j < len(r) else "" for j in keep])
    frame = pd.DataFrame(out, columns=names, dtype=object) if out else pd.DataFrame(columns=names, dtype=object)
    return Table(frame, shown, kind, sheet=sheet, rows=rows, headers={name: (name, j) for j, name in zip(keep, names)})
