"""Data tables validated on load: strict CSV reading and pandera schemas.

Every CSV table gridmodel reads goes through :func:`read_csv_strict` (an unterminated
quote or a row with too few or too many fields is an error with its line, where pandas
would silently merge or pad rows) and then :func:`check_table`, which runs the table's
pandera schema lazily and raises ONE error listing every problem as
``file:line: column: message (got value)``; line 1 is the header, line *k* + 1 the
*k*-th data row. The schema of a table lives next to the module that owns it
(``docs/data_tables.md``); the checks below make one a few lines::

    SCHEMA = pa.DataFrameSchema({
        "bus_id": pa.Column(checks=text(), unique=True, report_duplicates="exclude_first"),
        "vn_kv": pa.Column(checks=number(gt=0)),
        "abroad": pa.Column(checks=boolean()),
    })

TOML documents (a heat layer's assumptions, the repair and demand tables) are pydantic
models validated by :func:`check_document`: ``file:line: key: message (got value)``, the
line found by :func:`toml_line` (arrays of tables counted: ``repair entry 3.dist`` is
the ``dist`` key of the third ``[[repair]]``).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import typing
import warnings
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pydantic import AfterValidator, BaseModel, ValidationError

from gridmodel._io.tomlio import read_text
from gridmodel.errors import InputError

__all__ = ["MAX_PROBLEMS", "DateText", "Source", "TimeZone", "after", "boolean",
           "check_document", "check_table", "csv_lines", "csv_problems", "equals",
           "iso_date", "lon_lat", "nonempty", "number", "one_of", "raise_problems",
           "read_csv_strict", "table_problems", "text", "toml_line", "unique_id"]

#: the most problems one error message lists (the rest are counted)
MAX_PROBLEMS = 20

# ------------------------------------------------------------------ strict CSV reading
def _csv_problems(text_: str, path: Path) -> tuple[list[str], int]:
    """Problems of the CSV text that pandas would let through, and the number of records."""
    reader = csv.reader(io.StringIO(text_, newline=""), strict=True)
    problems, n_records, end, width = [], 0, 0, None
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not row:
                continue  # a blank line (pandas skips it too)
            if width is None:
                width = len(row)
                continue
            n_records += 1
            if end > start or any("\n" in c or "\r" in c for c in row):
                problems.append(f"{path}:{start}: a quoted field runs over lines {start}-{end}: "
                                "an unterminated quote? (line breaks in a field are not allowed)")
            elif len(row) != width:
                problems.append(f"{path}:{start}: {len(row)} fields, the header has {width} "
                                "(a missing or extra comma?)")
    except csv.Error as exc:
        problems.append(f"{path}:{end + 1}: {exc}: an unterminated quote? (the file ends inside "
                        "a quoted field)")
    if width is None:
        problems.append(f"{path}:1: the file is empty: a header line is needed")
    return problems, n_records


def csv_problems(text_: str, path: str | Path) -> list[str]:
    """Every problem of a CSV text that pandas would let through, ``file:line: message``.

    An unterminated quote, a quoted field over several lines, a row with another number
    of fields than the header, no header. Blank lines are skipped (a reader that drops
    comment lines blanks them, so that the lines stay those of the file).
    """
    return _csv_problems(text_, Path(path))[0]


def read_csv_strict(path: str | Path, what: str = "table", error: type[InputError] = InputError,
                    **read_csv_kw) -> pd.DataFrame:
    """Read a CSV table with pandas after checking its records with the ``csv`` module.

    Parameters
    ----------
    path : path
        The file.
    what : str
        What it is, for the message when it does not exist ("heat-layer file").
    error : type
        The :class:`~gridmodel.errors.InputError` subclass raised.
    **read_csv_kw
        Passed to :func:`pandas.read_csv` (the frame is exactly what pandas reads).

    Raises
    ------
    InputError
        (or ``error``) The file is missing or unreadable, empty, a quoted field is not
        closed or spans lines, or a row has another number of fields than the header;
        one line per problem, ``file:line: message``.
    """
    path = Path(path)
    problems, n_records = _csv_problems(read_text(path, what, error), path)
    if problems:
        raise_problems(problems, f"{path}: not a well-formed CSV table", error)
    try:
        df = pd.read_csv(path, **read_csv_kw)
    except (ValueError, pd.errors.ParserError) as exc:
        msg = f"{path}: cannot read the table: {exc}"
        raise error(msg) from None
    if len(df) != n_records:
        msg = (f"{path}: pandas read {len(df)} rows but the file has {n_records} records; "
               "check the quoting.")
        raise error(msg)
    return df


def csv_lines(path: str | Path) -> np.ndarray:
    """The line of every data record of a CSV file (header = line 1, blank lines skipped)."""
    reader = csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"), newline=""))
    lines, end, header = [], 0, True
    for row in reader:
        start, end = end + 1, reader.line_num
        if row and not header:
            lines.append(start)
        header = header and not row
    return np.asarray(lines, dtype=np.int64)


# ------------------------------------------------------------------ checks
def _numeric(s: pd.Series) -> pd.Series:
    """``s`` as floats; NaN where a value is not a number (text, booleans)."""
    if s.dtype == bool:
        return pd.Series(np.nan, index=s.index)
    if s.dtype == object:
        s = s.map(lambda v: np.nan if isinstance(v, bool) else v)
    return pd.to_numeric(s, errors="coerce")


def number(*, gt: float | None = None, ge: float | None = None, le: float | None = None,
           lt: float | None = None, integer: bool = False) -> pa.Check:
    """Each value a (finite) number within the bounds given, an integer if ``integer``."""
    bounds = [(gt, "> {}", np.greater), (ge, ">= {}", np.greater_equal),
              (le, "<= {}", np.less_equal), (lt, "< {}", np.less)]
    said = [f.format(b) for b, f, _ in bounds if b is not None]
    kind = "an integer" if integer else "a number"
    error = f"must be {kind}" + (f" {' and '.join(said)}" if said else "")

    def ok(s: pd.Series) -> pd.Series:
        x = _numeric(s)
        good = np.isfinite(x)
        for b, _, op in bounds:
            if b is not None:
                good &= op(x, b)
        if integer:
            good &= x == np.round(x)
        return good

    return pa.Check(ok, error=error)


def boolean() -> pa.Check:
    """Each value true or false (or 1 / 0 in the whole column); never "no" or "yes".

    pandas reads a column of true/false words as booleans and one of 1/0 as integers;
    a column it leaves as text has a word that is neither: the cells that are not
    true or false are reported.
    """
    def ok(s: pd.Series) -> pd.Series:
        if s.dtype == bool:
            return pd.Series(True, index=s.index)
        if s.dtype.kind in "iuf":
            return s.isin((0, 1))
        return s.map(lambda v: isinstance(v, bool | np.bool_)
                     or str(v).strip().lower() in ("true", "false"))

    return pa.Check(ok, error="must be true or false (or 1 / 0 in every row)")


def truthy(values: pd.Series) -> pd.Series:
    """``values`` as booleans by the rule of :func:`boolean`: true for True, 1 and "true"
    (any case), false for anything else (a value :func:`boolean` rejects included)."""
    return values.map(lambda v: str(v).strip().lower() in ("true", "1", "1.0"))


def _date(v):
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def iso_date() -> pa.Check:
    """Each value an ISO date (``YYYY-MM-DD``; a time after it is ignored)."""
    return pa.Check(lambda s: s.map(lambda v: _date(v) is not None),
                    error="must be an ISO date YYYY-MM-DD, e.g. 2026-01-15")


def after(start: pd.Series, what: str) -> pa.Check:
    """Each ISO date after the date ``start`` holds on its row (missing either: passes)."""
    def ok(s: pd.Series) -> pd.Series:
        lo = start.reindex(s.index).map(_date)
        return pd.Series([a is None or b is None or b > a
                          for a, b in zip(lo, s.map(_date), strict=True)], index=s.index)

    return pa.Check(ok, error=f"must be after {what}")


def text() -> pa.Check:
    """No value blank (an id or a name; an empty cell is caught as a missing value)."""
    return pa.Check(lambda s: s.map(lambda v: not (isinstance(v, str) and v.strip() == "")),
                    error="must not be blank")


def one_of(known: Iterable, what: str) -> pa.Check:
    """Each value one of ``known`` (a reference to another table, or an allowed value)."""
    known = sorted({str(k) for k in known})
    shown = ", ".join(known[:8]) + (f", ... ({len(known)} in all)" if len(known) > 8 else "")
    check = pa.Check(lambda s: s.astype(str).isin(known),
                     error=f"is not a known {what} (known: {shown})")
    check.known = known  # for the "did you mean" of the message
    return check


def unique_id(*checks: pa.Check, **column_kw) -> pa.Column:
    """A column of unique, non-empty ids (a repeated id is reported where it repeats)."""
    return pa.Column(checks=[text(), *checks], unique=True, report_duplicates="exclude_first",
                     **column_kw)


def equals(expected: pd.Series, what: str) -> pa.Check:
    """Each value equal to ``expected`` on its row (a value another table determines).

    Rows where ``expected`` is missing (e.g. an unknown reference, reported by its own
    check) pass.
    """
    def ok(s: pd.Series) -> pd.Series:
        exp = expected.reindex(s.index)
        return exp.isna() | (s.astype(str) == exp.astype(str))

    return pa.Check(ok, error=f"must be {what}")


def lon_lat(lon: str = "lon", lat: str = "lat", **column_kw) -> dict[str, pa.Column]:
    """Columns of a longitude in [-180, 180] and a latitude in [-90, 90] [degrees]."""
    return {lon: pa.Column(checks=number(ge=-180, le=180), **column_kw),
            lat: pa.Column(checks=number(ge=-90, le=90), **column_kw)}


def nonempty(what: str) -> pa.Check:
    """A table-level check: the table has at least one row."""
    return pa.Check(lambda df: len(df) > 0, error=f"has no rows: at least one {what} is needed")


# ------------------------------------------------------------------ running a schema
_BUILTIN = {"not_nullable": "is empty: a value is needed",
            "field_uniqueness": "repeats an earlier row's value: ids must be unique"}


def _message(case: dict, schema: pa.DataFrameSchema) -> tuple[str, str, bool]:
    """(column, message, show the value) of one pandera failure case."""
    check, col = str(case["check"]), case["column"]
    if check == "column_in_dataframe":
        return str(case["failure_case"]), ("missing column; the table needs "
                                           f"{list(schema.columns)}"), False
    if check.startswith("column_in_schema"):
        return str(case["failure_case"]), "unknown column", False
    if col is None:
        return "table", check, False
    return str(col), _BUILTIN.get(check, check), check != "not_nullable"


def _hint(case: dict, schema: pa.DataFrameSchema, col: str) -> str:
    """A "did you mean" for a value that is not one of the known values of its column."""
    column = schema.columns.get(col)
    if column is None or not isinstance(case["failure_case"], str):
        return ""
    for chk in column.checks:
        known = getattr(chk, "known", None)
        if known and chk.error == case["check"]:
            close = difflib.get_close_matches(case["failure_case"], known, n=1)
            return f"; did you mean {close[0]!r}?" if close else ""
    return ""


def _line(idx, lines) -> int | str:
    """The file line of the row labelled ``idx`` (1, the header, for the whole table)."""
    if idx is None or (isinstance(idx, float) and np.isnan(idx)):
        return 1
    if lines is not None and isinstance(idx, int | np.integer) and 0 <= idx < len(lines):
        return int(lines[idx])
    return f"row {idx}"


def table_problems(df: pd.DataFrame, schema: pa.DataFrameSchema, path: str | Path,
                   lines=None) -> list[str]:
    """Every problem of ``df`` (as read from ``path``) under ``schema``, sorted by line.

    Parameters
    ----------
    df : DataFrame
        The table as read (index 0..n-1 in file order); not changed.
    schema : pandera.DataFrameSchema
    path : path
        The file, for messages.
    lines : array of int, optional
        The file line of each row (default: read from ``path``, :func:`csv_lines`).

    Returns
    -------
    list of str
        ``file:line: column: message (got value)``; empty when the table is valid.
    """
    try:
        with warnings.catch_warnings():  # pandera's own pandas deprecations on failure
            warnings.simplefilter("ignore", FutureWarning)
            schema.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.to_dict("records")
    if lines is None and Path(path).is_file():
        lines = csv_lines(path)
    problems = []
    for case in cases:
        col, msg, show = _message(case, schema)
        line = _line(case["index"], lines)
        got = f" (got {case['failure_case']!r})" if show else ""
        problems.append((line if isinstance(line, int) else 0,
                         f"{path}:{line}: {col}: {msg}{got}{_hint(case, schema, col)}"))
    problems.sort(key=lambda p: p[0])
    return [p for _, p in problems]


def check_table(df: pd.DataFrame, schema: pa.DataFrameSchema, path: str | Path,
                error: type[InputError] = InputError, lines=None) -> None:
    """Validate ``df`` against ``schema``; raise one error listing every problem.

    Raises
    ------
    InputError
        (or ``error``) The problems of :func:`table_problems`, at most
        :data:`MAX_PROBLEMS` of them and the count of the rest.
    """
    raise_problems(table_problems(df, schema, path, lines), f"{path}: invalid table", error)


def raise_problems(problems: list[str], title: str,
                   error: type[InputError] = InputError) -> None:
    """Raise ``error`` listing ``problems`` (at most :data:`MAX_PROBLEMS`); none: return."""
    if problems:
        raise error(_joined(problems, title))


def _joined(problems: list[str], title: str) -> str:
    """One message of at most :data:`MAX_PROBLEMS` problem lines and the count of the rest."""
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    head = f"{title}: {len(problems)} problem(s)"
    return "\n".join([head, *shown] + ([f"... and {more} more"] if more else []))


# ------------------------------------------------------------------ TOML documents
_HEADER = re.compile(r"^\[(\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|"
                  r"[A-Za-z0-9_\-]+))*)\s*=")


def _sourced(v: str) -> str:
    if not v.strip():
        msg = "empty source; name the source or tag the value [C]"
        raise ValueError(msg)
    return v


#: A document's ``source`` key: a non-blank text naming where a value comes from.
Source = typing.Annotated[str, AfterValidator(_sourced)]


def _known_zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"unknown time zone {tz!r} (an IANA name, e.g. 'Europe/Kyiv' or 'UTC')"
        raise ValueError(msg) from None
    return tz


#: A document's time-zone key: an IANA time zone name that exists.
TimeZone = typing.Annotated[str, AfterValidator(_known_zone)]


def _iso_date_text(v: str) -> str:
    if _date(v) is None:
        msg = "must be an ISO date YYYY-MM-DD, e.g. 2026-01-15"
        raise ValueError(msg)
    return v


#: A document's date key written as text (``"2026-01-15"``).
DateText = typing.Annotated[str, AfterValidator(_iso_date_text)]


def _dotted(s: str) -> tuple[str, ...]:
    """The keys of a dotted TOML key or header (``a."b.c".d`` -> a, b.c, d)."""
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([^.\s]+)", s)
    return tuple(next(p for p in group if p) if any(group) else "" for group in parts)


def _toml_places(text_: str) -> list[tuple[tuple, int]]:
    """``(key path, line)`` of every table header and key of a TOML text.

    Paths hold the position of an array of tables (``("repair", 2, "dist")``); lines
    inside multi-line strings are skipped.
    """
    places, table, counts, in_string = [], (), {}, None
    for i, line in enumerate(text_.splitlines(), start=1):
        s = line.strip()
        if in_string:
            in_string = None if s.count(in_string) % 2 else in_string
            continue
        m = _HEADER.match(s)
        if m:
            keys = _dotted(m.group(2))
            if m.group(1):  # [[array]]: the next entry
                counts[keys] = counts.get(keys, -1) + 1
                table = (*keys, counts[keys])
            else:
                table = keys
            places.append((table, i))
            continue
        k = _KEY.match(s)
        if k:
            places.append(((*table, *_dotted(k.group(1))), i))
            rest = s[k.end():]
            for q in ('"""', "'''"):
                if rest.count(q) % 2:
                    in_string = q
    return places


def toml_line(text_: str, loc: tuple) -> int | None:
    """Line (1-based) of the key path ``loc`` in a TOML text, or of its nearest parent.

    ``loc`` is a pydantic error location: keys and list positions. A key inside an inline
    table or an array gives the line of the key that holds it; a missing key the line of
    its table's header; None when not even the top-level table is in the file.
    """
    best, best_len = None, -1
    for path, line in _toml_places(text_):
        n = len(path)
        if n > best_len and tuple(loc[:n]) == path:
            best, best_len = line, n
    return best


def _where(loc: tuple) -> str:
    """``restart.crews``; a list position as ``entry N`` (``repair entry 3.dist``)."""
    out = ""
    for k in loc:
        out += f" entry {k + 1}" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that validates the table at ``loc`` (None: not a model)."""
    for k in loc:
        if isinstance(k, int):
            continue
        field = model.model_fields.get(str(k))
        if field is None:
            return None
        stack, found = [field.annotation], None
        while stack and found is None:
            a = stack.pop()
            if isinstance(a, type) and issubclass(a, BaseModel):
                found = a
            stack.extend(typing.get_args(a))
        if found is None:
            return None
        model = found
    return model


def _document_problem(err: dict, model: type[BaseModel], text_: str,
                      path: Path) -> tuple[int, str]:
    """(line, ``file:line: key: message (got value)``) of one pydantic error."""
    loc = tuple(err["loc"])
    kind = err["type"]
    if "key" in err.get("ctx", {}):  # a model's validator about one of its keys
        loc = (*loc, err["ctx"]["key"])
        if isinstance(err.get("input"), dict):
            err = {**err, "input": err["input"].get(loc[-1])}
    at = loc[:-1] if kind == "missing" else loc
    line = toml_line(text_, at)
    head = f"{path}:{line}:" if line else f"{path}:"
    if kind == "missing":
        given = err.get("input") if isinstance(err.get("input"), dict) else {}
        close = difflib.get_close_matches(str(loc[-1]), [str(k) for k in given], n=1,
                                          cutoff=0.8)
        hint = f" (is {close[0]!r} a typo?)" if close else ""
        if close:  # the line of the likely typo
            line = toml_line(text_, (*at, close[0])) or line
            head = f"{path}:{line}:" if line else f"{path}:"
        return line or 0, f"{head} {_where(at) or 'top level'}: missing key {str(loc[-1])!r}{hint}"
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        allowed = sorted(parent.model_fields) if parent else []
        return line or 0, (f"{head} {_where(loc[:-1]) or 'top level'}: unknown key "
                           f"{str(loc[-1])!r}; allowed here: {allowed}")
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = repr(err.get("input"))
    got = got if len(got) <= 80 else got[:77] + "..."
    got = "" if isinstance(err.get("input"), dict) else f" (got {got})"  # a whole table
    return line or 0, f"{head} {_where(loc) or 'top level'}: {msg}{got}"


def check_document(model: type[BaseModel], data: dict, text_: str, path: str | Path,
                   error: type[InputError] = InputError):
    """Validate a parsed TOML document against a pydantic ``model``; one error lists all.

    Parameters
    ----------
    model : pydantic model class
    data : dict
        The parsed document.
    text_ : str
        Its text (for line numbers).
    path : path
        The file, for messages.
    error : type
        The :class:`~gridmodel.errors.InputError` subclass raised.

    Returns
    -------
    model
        The validated document.

    Raises
    ------
    InputError
        (or ``error``) One line per problem, ``file:line: key: message (got value)``; a
        missing key names its table's line, an unknown key the keys allowed there.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_document_problem(e, model, text_, Path(path)) for e in exc.errors()]
    problems.sort(key=lambda p: p[0])
    raise_problems([p for _, p in problems], f"{path}: invalid file", error)
