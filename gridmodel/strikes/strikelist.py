"""Strike lists: the CSV and TOML formats, reading and validation.

A strike list says what was hit, when, and how badly. One strike per row (CSV) or per
``[[strikes]]`` table (TOML). Columns / keys:

=================  ========  ============================================================
field              required  meaning
=================  ========  ============================================================
``target``         yes       asset id, name or alias from ``net.registry``
                             (``sub:kyivska-750``, ``"Kyivska 750"``, ``"Київська"``), or a
                             selector such as ``kind=substation;vn_kv>=750;oblast=Kyivska``
                             (see :mod:`gridmodel.strikes.resolve`)
``time``           yes       ISO 8601 with a zone: ``2026-02-03T04:00+02:00``,
                             ``2026-02-03T02:00Z`` or ``2026-02-03T04:00[Europe/Kyiv]``
``effect``         yes       ``destroyed`` (out, long repair), ``damaged`` (loses
                             ``fraction_lost`` of its capacity) or ``disabled`` (tripped,
                             out of service without damage, short repair)
``fraction_lost``  damaged   share of capacity lost, in [0, 1]; implied 1 for
                             ``destroyed`` and ``disabled``
``repair_h``       no        repair time [h]; overrides the draw from
                             ``gridmodel/data/repair_times.toml``
``weapon``         no        free text (``"ballistic"``, ``"Shahed"``, ...)
``source``         no        where the strike is reported
=================  ========  ============================================================

Any other column (``reliability``, ``note``, ...) is kept as it is, unless its name is
close to a field above (``repair_hours``, ``weapons``): that is an error naming the field
meant, since the value would otherwise be lost silently. In a CSV file, lines
starting with ``#`` are comments. Repeated strikes on the same asset are allowed (see
:mod:`gridmodel.strikes.repairs` for how they combine).

TOML: either ``[[strikes]]`` tables in the file (a scenario file may hold other keys), or
``strikes_csv = "file.csv"``, a CSV file relative to the TOML file. Not both.

An empty strike list is an error: a run with no strikes is a baseline, asked for without
a strike list (``simulate_outage(net)`` or ``simulate_outages(net, strikes=None, ...)``).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from gridmodel._io.schema import csv_problems, raise_problems
from gridmodel._io.tomlio import read_toml
from gridmodel.config import MAX_HOURS
from gridmodel.errors import InputError

__all__ = [
    "EFFECTS",
    "RAW_COLUMNS",
    "STRIKE_FIELDS",
    "StrikeListError",
    "parse_time",
    "read_strikes",
    "strikes_from_records",
]

#: allowed effects, from the mildest to the most severe
EFFECTS = ("disabled", "damaged", "destroyed")
STRIKE_FIELDS = ("target", "time", "effect", "fraction_lost", "repair_h", "weapon", "source")
REQUIRED_FIELDS = ("target", "time", "effect")
#: columns of the table :func:`read_strikes` returns, before any extra column
RAW_COLUMNS = ["row", "file", "target", "time", "effect", "fraction_lost", "repair_h",
               "weapon", "source"]
_MAX_LISTED = 20
_ZONE_SUFFIX = re.compile(r"^(?P<stamp>[^\[\]]+)\[(?P<zone>[^\[\]]+)\]$")


class StrikeListError(InputError):
    """A strike list is missing, malformed, empty or names a bad value."""


def parse_time(value, where: str = "time") -> pd.Timestamp:
    """Parse a strike time into a UTC :class:`pandas.Timestamp`.

    Parameters
    ----------
    value : str, datetime or Timestamp
        ISO 8601 with a zone offset (``+02:00`` or ``Z``) or an IANA zone in brackets
        (``2026-02-03T04:00[Europe/Kyiv]``). A time without a zone is refused: whether
        a report means Kyiv time or UTC changes the result by two hours.
    where : str
        Location used in the error message (file, row, field).

    Raises
    ------
    StrikeListError
        If the value is not a time or has no zone.
    """
    fix = ("write it with a zone, e.g. 2026-02-03T04:00+02:00 (Kyiv winter time), "
           "2026-02-03T02:00Z (UTC) or 2026-02-03T04:00[Europe/Kyiv]")
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
    elif isinstance(value, dt.date):
        msg = f"{where}: {value!r} is a date without a time of day; {fix}."
        raise StrikeListError(msg)
    else:
        text = str(value).strip()
        zone = None
        m = _ZONE_SUFFIX.match(text)
        if m:
            text = m["stamp"].strip()
            try:
                zone = ZoneInfo(m["zone"].strip())
            except (ZoneInfoNotFoundError, ValueError) as exc:
                msg = f"{where}: unknown time zone {m['zone']!r} in {value!r}; {fix}."
                raise StrikeListError(msg) from exc
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            msg = f"{where}: {value!r} is not an ISO 8601 time; {fix}."
            raise StrikeListError(msg) from exc
        if zone is not None:
            if parsed.tzinfo is not None:
                msg = f"{where}: {value!r} gives both an offset and a zone; give one; {fix}."
                raise StrikeListError(msg)
            parsed = _local_time(parsed, zone, value, where)
        stamp = pd.Timestamp(parsed)
    if stamp.tzinfo is None:
        msg = f"{where}: {value!r} has no time zone; {fix}."
        raise StrikeListError(msg)
    utc = stamp.tz_convert("UTC")
    if not pd.Timestamp.min <= utc.tz_localize(None) <= pd.Timestamp.max:
        msg = (f"{where}: {value!r} lies outside the years time stamps cover "
               f"({pd.Timestamp.min:%Y-%m-%d} .. {pd.Timestamp.max:%Y-%m-%d}); check the year.")
        raise StrikeListError(msg)
    return utc


def _local_time(wall: dt.datetime, zone: ZoneInfo, value, where: str) -> dt.datetime:
    """``wall`` (a local time without offset) in ``zone``; a time that a clock change
    repeats or skips is refused, naming its two readings.

    Raises
    ------
    StrikeListError
        The local time occurs twice (clocks go back) or not at all (clocks go forward).
    """
    early, late = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    readings = " or ".join(
        f"{t.isoformat(timespec='minutes')} ({t.astimezone(dt.UTC):%H:%MZ})"
        for t in (dt.datetime.fromisoformat(f"{wall.isoformat()}{_offset(o)}")
                  for o in sorted({early.utcoffset(), late.utcoffset()}, reverse=True)))
    repeated = early.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == wall
    what = ("occurs twice in {z} (the clocks go back)" if repeated
            else "does not exist in {z} (the clocks go forward)").format(z=zone.key)
    msg = (f"{where}: local time {value!r} {what}: it reads as {readings}; write the "
           "offset instead of the zone name.")
    raise StrikeListError(msg)


def _offset(delta: dt.timedelta) -> str:
    """``+03:00`` of a UTC offset."""
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(value, where: str, field: str, errors: list[str]) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):  # TOML true / false is not a number
        errors.append(f"{where}, field {field}: {value!r} is not a number.")
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        errors.append(f"{where}, field {field}: {value!r} is not a number.")
        return None
    if not math.isfinite(x):
        errors.append(f"{where}, field {field}: {value!r} is not a finite number.")
        return None
    return x


def _check_record(rec: Mapping, where: str, errors: list[str]) -> dict | None:
    """Validate one strike record; append every problem to ``errors``."""
    n_before = len(errors)
    out: dict = {k: v for k, v in rec.items() if k not in STRIKE_FIELDS}
    for field in REQUIRED_FIELDS:
        if _blank(rec.get(field)):
            errors.append(f"{where}, field {field}: missing; every strike needs "
                          f"{', '.join(REQUIRED_FIELDS)}.")
    target = rec.get("target")
    out["target"] = "" if _blank(target) else str(target).strip()
    out["time"] = pd.NaT
    if not _blank(rec.get("time")):
        try:
            out["time"] = parse_time(rec["time"], f"{where}, field time")
        except StrikeListError as exc:
            errors.append(str(exc))
    effect = rec.get("effect")
    effect = "" if _blank(effect) else str(effect).strip().lower()
    if effect and effect not in EFFECTS:
        errors.append(f"{where}, field effect: {rec.get('effect')!r} is not one of "
                      f"{list(EFFECTS)}; use 'damaged' with fraction_lost for partial damage.")
    out["effect"] = effect
    frac = _number(rec.get("fraction_lost"), where, "fraction_lost", errors)
    if frac is not None and not 0.0 <= frac <= 1.0:
        errors.append(f"{where}, field fraction_lost: {frac:g} is outside [0, 1]; give the "
                      "share of capacity lost, e.g. 0.5 for one of two autotransformers.")
    if effect == "damaged" and _blank(rec.get("fraction_lost")):
        errors.append(f"{where}, field fraction_lost: missing; a 'damaged' strike needs "
                      "the share of capacity lost in [0, 1] (1 = as good as destroyed).")
    if effect in ("destroyed", "disabled"):
        if frac is not None and frac != 1.0:
            errors.append(f"{where}, field fraction_lost: {frac:g} contradicts effect "
                          f"{effect!r} (which takes the asset out entirely); leave it empty "
                          "or use effect 'damaged'.")
        frac = 1.0
    out["fraction_lost"] = frac if frac is not None else math.nan
    rep = _number(rec.get("repair_h"), where, "repair_h", errors)
    if rep is not None and rep < 0:
        errors.append(f"{where}, field repair_h: {rep:g} is negative; give hours >= 0 or "
                      "leave it empty to draw from repair_times.toml.")
    elif rep is not None and rep > MAX_HOURS:
        errors.append(f"{where}, field repair_h: {rep:g} h is more than {MAX_HOURS} h "
                      "(100 years); give the hours of the repair (a repair beyond the run "
                      "keeps the asset out to its end).")
    out["repair_h"] = rep if rep is not None else math.nan
    for field in ("weapon", "source"):
        val = rec.get(field)
        out[field] = "" if _blank(val) else str(val).strip()
    return out if len(errors) == n_before else None


def strikes_from_records(records: Iterable[Mapping], where: str = "<strikes>",
                         rows: Iterable[int] | None = None) -> pd.DataFrame:
    """Validate strike records (dicts) and return the raw strike table.

    Parameters
    ----------
    records : iterable of mapping
        One mapping per strike with the fields of the module docstring.
    where : str
        Name of the origin (file name) used in error messages.
    rows : iterable of int, optional
        Row (line) number of each record; defaults to 1, 2, ...

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RAW_COLUMNS` then any extra field; ``time`` is tz-aware UTC.

    Raises
    ------
    StrikeListError
        Listing every bad row and field at once, or saying the list is empty.
    """
    records = list(records)
    rows = list(rows) if rows is not None else list(range(1, len(records) + 1))
    if not records:
        msg = (f"{where}: the strike list is empty. To run the no-strike baseline, call "
               "simulate_outage(net) / simulate_outages(net, strikes=None, ...) or run "
               "`gridmodel network summary`; a strike list needs at least one row.")
        raise StrikeListError(msg)
    errors: list[str] = _misspelt_fields(records, rows, where)
    good = []
    for rec, row in zip(records, rows, strict=True):
        label = f"{where}, row {row}"
        checked = _check_record(rec, label, errors)
        if checked is not None:
            checked["row"] = int(row)
            checked["file"] = where
            good.append(checked)
    if errors:
        shown = errors[:_MAX_LISTED]
        more = f"\n  ... and {len(errors) - _MAX_LISTED} more" if len(errors) > _MAX_LISTED else ""
        msg = (f"{len(errors)} problem(s) in strike list {where}:\n  "
               + "\n  ".join(shown) + more)
        raise StrikeListError(msg)
    df = pd.DataFrame(good)
    extra = [c for c in df.columns if c not in RAW_COLUMNS]
    df = df[RAW_COLUMNS + extra]
    df["time"] = pd.to_datetime(df["time"], utc=True)
    df["fraction_lost"] = df["fraction_lost"].astype(float)
    df["repair_h"] = df["repair_h"].astype(float)
    df["row"] = df["row"].astype("int64")
    return df.reset_index(drop=True)


def _misspelt_fields(records: list[Mapping], rows: list[int], where: str) -> list[str]:
    """One problem per field name that is not a strike field but close to one
    (``repair_hours`` for ``repair_h``): kept as an extra column, it would leave the strike
    without the value the user meant, silently."""
    seen: dict[str, int] = {}
    for rec, row in zip(records, rows, strict=True):
        for k in rec:
            if k not in STRIKE_FIELDS and k not in RAW_COLUMNS:
                seen.setdefault(str(k), row)
    out = []
    for k, row in seen.items():
        close = difflib.get_close_matches(k, STRIKE_FIELDS, n=1, cutoff=0.75)
        if close:
            out.append(f"{where}, row {row}: field {k!r} is not a strike field; did you mean "
                       f"{close[0]!r}? (Other fields are kept as extra columns: rename it if "
                       f"it is not meant as {close[0]}.)")
    return out


def _read_csv_records(path: Path) -> tuple[list[dict], list[int]]:
    """The records of a strike CSV and their lines; comment lines (``#``) are skipped.

    Read strictly (:func:`gridmodel._io.schema.csv_problems`): an unterminated quote, a
    quoted field over lines or a row with more or fewer fields than the header is an
    error naming its line, never rows merged into a text field or padded.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read strike list {path}: {exc}. Give a UTF-8 CSV or TOML file."
        raise StrikeListError(msg) from exc
    # comment lines blanked, not dropped: every record keeps the line of the file
    lines = ["" if line.lstrip().startswith("#") else line for line in text.splitlines()]
    if not any(line.strip() for line in lines):
        return [], []
    blanked = "\n".join(lines) + "\n"
    problems = csv_problems(blanked, path)
    if problems:
        raise_problems(problems, f"{path}: not a well-formed CSV strike list", StrikeListError)
    reader = csv.reader(io.StringIO(blanked, newline=""))
    table = [(reader.line_num, cells) for cells in reader if cells]
    header = [h.strip() for h in table[0][1]]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        msg = (f"{path}, line {table[0][0]}: the header repeats column(s) {repeated}; give "
               "each column once.")
        raise StrikeListError(msg)
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        msg = (f"{path}, line {table[0][0]}: header lacks columns {missing}; a strike CSV "
               f"needs {list(REQUIRED_FIELDS)} and may have {list(STRIKE_FIELDS[3:])}.")
        raise StrikeListError(msg)
    records = [dict(zip(header, cells, strict=True)) for _, cells in table[1:]]
    return records, [lineno for lineno, _ in table[1:]]


def _read_toml_records(path: Path) -> tuple[list[dict], list[int], Path]:
    doc, _ = read_toml(path, "strike list", StrikeListError)
    has_table = "strikes" in doc
    has_csv = "strikes_csv" in doc
    if has_table and has_csv:
        msg = (f"{path}: gives both [[strikes]] tables and strikes_csv; keep one of them.")
        raise StrikeListError(msg)
    if has_csv:
        csv_path = (path.parent / str(doc["strikes_csv"])).resolve()
        if not csv_path.is_file():
            msg = (f"{path}: strikes_csv = {doc['strikes_csv']!r} -> {csv_path} does not "
                   "exist; the path is relative to the TOML file.")
            raise StrikeListError(msg)
        records, rows = _read_csv_records(csv_path)
        return records, rows, csv_path
    if not has_table:
        msg = (f"{path}: no strikes; add [[strikes]] tables (target, time, effect, ...) or "
               "strikes_csv = \"file.csv\". For a no-strike baseline run without a strike list.")
        raise StrikeListError(msg)
    table = doc["strikes"]
    if not isinstance(table, list) or not all(isinstance(t, dict) for t in table):
        msg = f"{path}: 'strikes' must be an array of tables, written [[strikes]]."
        raise StrikeListError(msg)
    return list(table), list(range(1, len(table) + 1)), path


def read_strikes(path: str | Path) -> pd.DataFrame:
    """Read and validate a strike list (CSV, or TOML with ``[[strikes]]``/``strikes_csv``).

    Targets are not resolved here (see :func:`gridmodel.strikes.resolve.resolve_strikes`).

    Parameters
    ----------
    path : str or path
        ``.csv`` or ``.toml`` file.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RAW_COLUMNS` and any extra columns; ``row`` is the CSV line number
        (header = line 1) or the 1-based ``[[strikes]]`` entry.

    Raises
    ------
    StrikeListError
        Naming the file, row and field of every bad value, or an empty list.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"strike list {path} does not exist."
        raise StrikeListError(msg)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        records, rows = _read_csv_records(path)
        where = str(path)
    elif suffix == ".toml":
        records, rows, origin = _read_toml_records(path)
        # [[strikes]] entries are numbered from 1
        where = str(origin) if origin != path else f"{path} [[strikes]]"
    else:
        msg = f"strike list {path}: unknown format {suffix!r}; use .csv or .toml."
        raise StrikeListError(msg)
    return strikes_from_records(records, where, rows)
