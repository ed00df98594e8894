"""A small declarative schema engine: one :class:`Schema` per source, applied to every row before anything is written.

Why our own and not pandera (or another validation library): the rules here are few kinds (type, pattern,
range, choices, blank, uniqueness, a handful of cross-field rules) but their *messages* must be specific to NHS
files: the column as written in the file's own header (``Location Latitude``, ``Partner Organisation Code``,
``13 Status Code`` for a headerless file), the spreadsheet row and the file line (they differ when a quoted value
holds a line break), the value as written, and what to do. pandera reports failure cases by index and its own
column name, needs a lazy-mode post-processing step to become such messages, and adds a heavy dependency to a
path (the importers) that runs on every upload; a 300-line engine over the readers in ``common.py`` is easier
to keep exact. Every rule carries the sentence that documents it (``docs/importing.md`` is checked against
:func:`rule_lines`).

Usage in an importer's parse step, right after ``read_table``::

    problems = SCHEMA.check(raw, file_name)     # every row, every rule; capped; nothing written

A schema only reads the raw text frame (strings, ``NA`` for blanks, a ``_row`` column); it converts values with
the same :func:`~data.importers.common.to_number` / :func:`~data.importers.common.to_date` the importers use, so
what it accepts is what they can load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from data.importers.common import Problem, Severity, normalise_header, to_date, to_number

Kind = Literal["text", "code", "integer", "number", "date"]
Converter = Callable[[pd.Series], "tuple[pd.Series, pd.Series]"]  # stripped text (NA blanks) -> (typed, invalid)
MAX_PER_CHECK = 50  # problems listed per rule (then one summary line with the count of the rest)
MAX_PROBLEMS = 1_000  # problems listed per file, over all rules

# Published code patterns (ONS Code History Database; ODS code formats; CQC location IDs)
GSS = r"[EWSNK]\d{8}"
LSOA = r"[EW]01\d{6}"
WARD = r"[EW]05\d{6}"
ODS_PRACTICE = r"[A-Z]\d{5}"
ODS_PRACTICE_OR_BRANCH = r"[A-Z]\d{5}(\d{3})?"
PCN = r"U\d{5}"
CQC_LOCATION = r"1-\d+"
ODS_TRUST = r"[A-Z0-9]{3}"  # NHS trusts and CCGs: three characters (RAL, 07M, 93C, TAF)
ODS_ORGANISATION = r"[A-Z0-9]{3,9}"  # any ODS organisation: trust (3), site (5), practice (6), branch (9)
ODS_COMMISSIONER = r"[A-Z0-9]{3,5}"  # CCG / sub-ICB (3) or ICB / region (3-5, e.g. QMJ, Y56)
POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}"  # a UK postcode, spaces removed (Royal Mail PAF formats)

PATTERN_HINT = {
    GSS: "an ONS (GSS) code: E, W, S, N or K and 8 digits, e.g. E09000007",
    LSOA: "an LSOA code: E01 (or W01) and 6 digits, e.g. E01000001",
    WARD: "an ONS electoral ward code: E05 (or W05) and 6 digits, e.g. E05000026",
    ODS_PRACTICE: "an ODS GP practice code: a letter and 5 digits, e.g. F83004",
    ODS_PRACTICE_OR_BRANCH: "an ODS practice code (a letter and 5 digits, e.g. F83004) or a branch surgery code "
                            "(the practice code and 3 digits, e.g. F83004001)",
    PCN: "a PCN code: U and 5 digits, e.g. U12345",
    CQC_LOCATION: "a CQC location ID: 1- and digits, e.g. 1-1000210669",
    ODS_TRUST: "an ODS trust or CCG code: 3 letters or digits, e.g. RAL or 07M",
    ODS_ORGANISATION: "an ODS organisation code: 3 to 9 letters or digits, e.g. RAL or F83004",
    ODS_COMMISSIONER: "an ODS commissioner code: 3 to 5 letters or digits, e.g. 93C or QMJ",
    POSTCODE: "a UK postcode: outward code (area letters, district) and inward code (digit, 2 letters), "
              "e.g. NW1 2BU",
}


@dataclass(frozen=True)
class Field:
    """One column of a source: the file's header (and accepted aliases) and what every value must be.

    ``headers[0]`` is the header as the publisher writes it (used in messages when the column is missing);
    a file's own spelling of a matched header is used otherwise. ``position`` names a column of a headerless file
    (``13 Status Code`` for epraccur's 13th). ``minimum``/``maximum`` are inclusive unless ``above``/``below``.
    """

    name: str
    headers: tuple[str, ...]
    kind: Kind = "text"
    required: bool = False  # the column must be in the file
    blank: bool = True  # a value may be blank
    pattern: str | None = None
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # strictly greater than
    whole: bool = False  # a whole number
    unique: bool = False
    hint: str = ""  # what to do, appended to this column's messages
    severity: Severity = "error"
    length: int | None = None  # at most this many characters
    convert: Converter | None = None  # a value of the project's own vocabulary -> (typed value, invalid)
    expect: str = ""  # what ``convert`` accepts, in words ("a financial year, e.g. 2019/20")

    def accepts(self) -> set[str]:
        """Normalised header spellings that name this column."""
        return {normalise_header(h) for h in (self.name, *self.headers)}

    def rules(self) -> list[str]:
        """The column's rules in words (documentation and messages)."""
        out = []
        if self.required:
            out.append("required column")
        if not self.blank:
            out.append("never blank")
        kind = {"integer": "a whole number", "number": "a number", "date": "a date"}.get(self.kind)
        if kind and not (self.kind == "number" and self.whole):
            out.append(kind)
        if self.whole:
            out.append("a whole number")
        if self.convert is not None:
            out.append(self.expect)
        if self.length is not None:
            out.append(f"at most {self.length} characters")
        if self.pattern:
            out.append(f"matches `{self.pattern}` ({PATTERN_HINT.get(self.pattern, 'the published format')})")
        if self.choices:
            out.append("one of " + ", ".join(f"`{c}`" for c in self.choices))
        if self.above is not None:
            out.append(f"above {self.above:g}")
        if self.minimum is not None and self.maximum is not None:
            out.append(f"from {self.minimum:g} to {self.maximum:g}")
        elif self.minimum is not None:
            out.append(f"at least {self.minimum:g}")
        elif self.maximum is not None:
            out.append(f"at most {self.maximum:g}")
        if self.unique:
            out.append("unique (a repeat is refused naming both rows)")
        if self.severity == "warning":
            out.append("(a warning, not an error)")
        if out and len(self.headers) > 1 and not self.headers[0][:1].isdigit():  # headerless files: by position
            out.append("header also accepted as " + ", ".join(f"`{h}`" for h in self.headers[1:]))
        return out


Check = Callable[[pd.DataFrame], "pd.Series | np.ndarray"]


@dataclass(frozen=True)
class Rule:
    """A rule across columns: ``check`` gets the typed frame (canonical names) and marks the failing rows.

    The problem is pinned on ``columns[0]`` (as written in the file) with that column's value; ``text`` documents
    the rule and ``message`` says what is wrong and what to do. A rule is skipped when any of its columns is absent.
    A rule across rows (one name per neighbourhood, a chain of successors) may give ``explain``: one message per
    row of the typed frame (used for the failing rows instead of ``message``), so it can name the other row.
    """

    text: str
    columns: tuple[str, ...]
    check: Check
    message: str | Callable[[pd.Series], str]
    severity: Severity = "error"
    explain: Callable[[pd.DataFrame], Sequence[str]] | None = None


@dataclass(frozen=True)
class Unique:
    """A combination of columns that identifies a row: a repeat is refused (or warned), naming the earlier row."""

    columns: tuple[str, ...]
    what: str  # "practice and date"
    severity: Severity = "error"
    where: Check | None = None  # only rows where this holds take part (e.g. open memberships)
    optional: tuple[str, ...] = ()  # columns used when the file has them; a blank one compares equal

    @property
    def text(self) -> str:
        cols = ", ".join(f"`{c}`" for c in self.columns)
        return f"one row per {self.what} ({cols}): a repeat is refused, naming both rows"


@dataclass(frozen=True)
class Schema:
    """Every column and rule of one source (or one sheet of it)."""

    source: str
    title: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...] = ()
    keys: tuple[Unique, ...] = ()
    notes: tuple[str, ...] = ()  # further rules enforced by the importer itself, documented with the schema
    where: Check | None = None  # only rows where this holds are checked (e.g. CQC care homes)
    where_text: str = ""
    headerless: bool = False  # columns are named by position (``headers[0]``, e.g. ``13 Status Code``)
    one_of: tuple[tuple[str, ...], ...] = ()  # the file has at least one column of each group (a file-level rule)

    def field(self, name: str) -> Field:
        """The field called ``name``."""
        return next(f for f in self.fields if f.name == name)

    def columns_of(self, frame: pd.DataFrame) -> dict[str, object]:
        """Canonical field name -> the frame's own column label, for the fields present in the file."""
        found: dict[str, object] = {}
        for header in frame.columns:
            if header == "_row":
                continue
            keys = {normalise_header(header), normalise_header(re.sub(r"\s*\([^)]*\)", "", str(header)))}
            for f in self.fields:
                if f.name not in found and keys & f.accepts():
                    found[f.name] = header
                    break
        return found

    def resolve(self, frame: pd.DataFrame) -> dict[str, str]:
        """Canonical field name -> the header as shown in messages (as written; by position if headerless)."""
        return {k: self.field(k).headers[0] if self.headerless else shown(str(v))
                for k, v in self.columns_of(frame).items()}

    def convert(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` (canonical column names, raw text) with each field's values as the schema reads them.

        Numbers become floats, dates ``datetime.date``, codes upper case without spaces, converted fields their
        typed value; a value the schema refuses becomes NA (run :meth:`check` first: this step reports nothing).
        """
        out = frame.copy()
        for f in self.fields:
            if f.name not in out.columns:
                continue
            raw = out[f.name].astype("string").str.strip()
            raw = raw.where(raw != "", pd.NA)
            if f.convert is not None:
                typed = f.convert(raw)[0]
            elif f.kind in ("integer", "number"):
                typed = to_number(raw)[0]
            elif f.kind == "date":
                typed = to_date(raw)[0]
            elif f.kind == "code":
                typed = raw.str.replace(r"\s+", "", regex=True).str.upper().astype(object).where(raw.notna(), None)
            else:
                typed = raw.astype(object).where(raw.notna(), None)
            out[f.name] = typed
        return out

    def check(self, frame: pd.DataFrame, file: str, *, lines: Mapping[int, int] | None = None) -> list[Problem]:
        """Problems of every row of ``frame`` (raw strings, a ``_row`` column) against this schema, capped.

        ``lines`` maps a row to its file line where they differ (defaults to ``frame.attrs['lines']`` as set by
        ``read_table``). A missing required column is a file-level problem and stops the row checks.
        """
        lines = lines if lines is not None else frame.attrs.get("lines")
        return _Checker(self, frame, file, lines or {}).run()


def _say(f: Field, message: str, default: str) -> str:
    """A column's message with what to do: the field's own hint, else ``default``."""
    return f"{message}; {f.hint or default}"


def shown(header: str) -> str:
    """A header as shown in a message: line breaks and runs of spaces as one space."""
    return re.sub(r"\s+", " ", header).strip()


class _Checker:
    def __init__(self, schema: Schema, frame: pd.DataFrame, file: str, lines: Mapping[int, int]) -> None:
        self.schema, self.file, self.lines = schema, file, lines
        self.headers = schema.resolve(frame)
        self.found = [shown(str(c)) for c in frame.columns if c != "_row"]
        raw = frame.rename(columns={v: k for k, v in schema.columns_of(frame).items()})
        raw = raw[["_row", *[c for c in self.headers if c in raw.columns]]].reset_index(drop=True)
        self.raw = raw
        self.problems: list[Problem] = []
        self.invalid: dict[str, np.ndarray] = {}  # rows whose value in a column is not of its type

    # -- reporting

    def _report(self, mask: pd.Series | np.ndarray, column: str, message: str | Callable[[object], str],
                severity: Severity, values: pd.Series | None = None, frame: pd.DataFrame | None = None,
                said: Sequence[str] | None = None) -> None:
        frame = self.raw if frame is None else frame
        if isinstance(mask, pd.Series):
            mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        source = values if values is not None else frame[column] if column in frame.columns else None
        rows = frame["_row"].to_numpy()[mask]
        vals = source.to_numpy(dtype=object)[mask] if source is not None else [None] * count
        says = np.asarray(said, dtype=object)[mask] if said is not None else None  # per-row messages (explain)
        header = self.headers.get(column, column)
        room = max(MAX_PROBLEMS - len(self.problems), 0)
        limit = min(MAX_PER_CHECK, room)
        for i, (row, value) in enumerate(list(zip(rows, vals, strict=True))[:limit]):
            text = None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) \
                else str(value)
            msg = str(says[i]) if says is not None else message(value) if callable(message) else message
            self.problems.append(Problem(self.file, int(row), header, text, msg, severity,
                                         self.lines.get(int(row))))
        if count > limit:
            first = int(rows[limit]) if limit < count else None
            self.problems.append(Problem(self.file, None, header, None, f"and {count - limit:,} more rows (from row "
                                         f"{first:,}) break the same rule: "
                                         f"{message if isinstance(message, str) else 'see above'}", severity))

    # -- the checks

    def run(self) -> list[Problem]:
        missing = [f for f in self.schema.fields if f.required and f.name not in self.headers]
        if missing:
            found = ", ".join(repr(c) for c in self.found)
            for f in missing:
                also = f" (also accepted: {', '.join(repr(h) for h in f.headers[1:])})" if len(f.headers) > 1 else ""
                self.problems.append(Problem(
                    self.file, 1, f.headers[0], None, f"required column '{f.headers[0]}'{also} is missing; "
                    f"the file's columns are: {found or 'none'}. Rename the header or choose the right file"))
            return self.problems
        for group in self.schema.one_of:
            if not any(c in self.headers for c in group):
                names = ", ".join(repr(self.schema.field(c).headers[0]) for c in group)
                found = ", ".join(repr(c) for c in self.found)
                self.problems.append(Problem(
                    self.file, 1, None, None, f"the file needs at least one of the columns {names}; its columns "
                    f"are: {found or 'none'}. Add one of them or choose the right file"))
        if self.problems:
            return self.problems
        if self.schema.where is not None and len(self.raw):
            self.raw = self.raw[np.asarray(self.schema.where(self.raw), dtype=bool)].reset_index(drop=True)
        typed = self.raw.copy()
        for f in self.schema.fields:
            if f.name in self.raw.columns:
                typed[f.name] = self._field(f)
        for rule in self.schema.rules:
            if all(c in typed.columns for c in rule.columns):
                mask = np.asarray(rule.check(typed), dtype=object)
                mask = pd.Series(mask).astype("boolean").fillna(False).to_numpy(dtype=bool)
                for c in rule.columns:  # a value already refused as the wrong type is not judged again
                    mask &= ~self.invalid.get(c, np.zeros(len(mask), dtype=bool))
                column = rule.columns[0]
                said = rule.explain(typed) if rule.explain is not None and mask.any() else None
                self._report(mask, column, rule.message, rule.severity, values=self.raw[column], said=said)
        for key in self.schema.keys:
            if all(c in typed.columns for c in key.columns if c not in key.optional):
                self._unique(typed, key)
        return self.problems

    def _field(self, f: Field) -> pd.Series:
        raw = self.raw[f.name].astype("string").str.strip()
        raw = raw.where(raw != "", pd.NA)
        sev = f.severity
        if not f.blank:
            self._report(raw.isna(), f.name, _say(f, "blank, but every row needs a value here",
                                                  "fill it in or remove the row"), sev)
        present = raw.notna().to_numpy(dtype=bool)
        if f.length is not None:
            self._report(present & (raw.str.len() > f.length).fillna(False).to_numpy(dtype=bool), f.name,
                         _say(f, f"longer than {f.length} characters", "shorten it"), sev)
        if f.convert is not None:
            typed, bad = f.convert(raw)
            self.invalid[f.name] = np.asarray(bad, dtype=bool)
            self._report(bad, f.name, _say(f, f"not {f.expect}", "correct the value"), sev)
        elif f.kind in ("integer", "number"):
            values, bad = to_number(raw)
            self.invalid[f.name] = bad.to_numpy(dtype=bool)
            self._report(bad, f.name, _say(f, "not a number", "write digits only (a decimal point and thousands "
                                           "separators are allowed)"), sev)
            ok = present & ~bad.to_numpy(dtype=bool)
            v = values.astype(float)
            if f.kind == "integer" or f.whole:
                self._report(ok & (v % 1 != 0).fillna(False).to_numpy(dtype=bool), f.name,
                             _say(f, "must be a whole number", "correct the value"), sev)
            self._range(f, v, ok)
            typed: pd.Series = values
        elif f.kind == "date":
            typed, bad = to_date(raw)
            self.invalid[f.name] = bad.to_numpy(dtype=bool)
            self._report(bad, f.name, _say(f, "not a date", "write it as YYYY-MM-DD, YYYYMMDD or dd/mm/yyyy"), sev)
        else:
            typed = raw.astype(object).where(raw.notna(), None)
            text = raw.fillna("")
            if f.kind == "code":
                text = text.str.replace(r"\s+", "", regex=True).str.upper()
                typed = text.astype(object).where(raw.notna(), None)
            if f.pattern:
                bad = present & ~text.str.fullmatch(f.pattern).fillna(False).to_numpy(dtype=bool)
                what = PATTERN_HINT.get(f.pattern, "in the published format")
                self._report(bad, f.name, _say(f, f"not {what}", "correct the code"), sev)
            if f.choices:
                allowed = {c.upper() for c in f.choices}
                bad = present & ~text.str.upper().isin(allowed).to_numpy(dtype=bool)
                self._report(bad, f.name, _say(f, f"not one of {', '.join(f.choices)}", "use one of these"), sev)
        if f.unique:
            self._unique(self.raw.assign(**{f.name: typed}), Unique((f.name,), shown(self.headers[f.name]), sev))
        return typed

    def _range(self, f: Field, v: pd.Series, ok: np.ndarray) -> None:
        sev = f.severity
        val = v.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            if f.above is not None:
                self._report(ok & ~(val > f.above), f.name, _say(f, f"must be above {f.above:g}",
                                                                 "correct the value"), sev)
            if f.minimum is not None or f.maximum is not None:
                low = f.minimum if f.minimum is not None else -np.inf
                high = f.maximum if f.maximum is not None else np.inf
                words = (f"from {f.minimum:g} to {f.maximum:g}" if f.minimum is not None and f.maximum is not None
                         else f"at least {f.minimum:g}" if f.minimum is not None else f"at most {f.maximum:g}")
                self._report(ok & ~((val >= low) & (val <= high)), f.name,
                             _say(f, f"out of range: must be {words}", "correct the value"), sev)

    def _unique(self, typed: pd.DataFrame, key: Unique) -> None:
        cols = [c for c in key.columns if c in typed.columns]
        frame = typed
        if key.where is not None:
            frame = typed[np.asarray(key.where(typed), dtype=bool)]
        required = [c for c in cols if c not in key.optional]
        frame = frame.dropna(subset=required)
        frame = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in cols
                                if c in key.optional})
        if frame.empty:
            return
        keyed = frame[["_row"]].assign(**{c: frame[c].astype(str) for c in cols})
        dup = keyed.duplicated(subset=cols, keep="first")
        if not dup.any():
            return
        first_row = keyed.groupby(cols, sort=False)["_row"].transform("first")
        labels = ", ".join(self.headers.get(c, c) for c in cols)
        dups = keyed[dup]
        rows = dups["_row"].to_numpy()
        vals = dups[cols[0]].to_numpy(dtype=object) if len(cols) == 1 else \
            dups[cols].agg(" / ".join, axis=1).to_numpy(dtype=object)
        messages = {int(r): f"the same {key.what} ({labels}) as row {int(f):,}: a file has one row per {key.what}; "
                    "remove the repeat (or correct its key) and import again"
                    for r, f in zip(rows, first_row[dup], strict=True)}
        header = self.headers.get(cols[0], cols[0])
        room = min(MAX_PER_CHECK, max(MAX_PROBLEMS - len(self.problems), 0))
        for row, value in list(zip(rows, vals, strict=True))[:room]:
            self.problems.append(Problem(self.file, int(row), header, str(value), messages[int(row)], key.severity,
                                         self.lines.get(int(row))))
        if len(rows) > room:
            self.problems.append(Problem(self.file, None, header, None, f"and {len(rows) - room:,} more repeated "
                                         f"{key.what} rows", key.severity))


# ------------------------------------------------------------------------------------------ rule factories


def ordered(start: str, end: str, what: str, severity: Severity = "error") -> Rule:
    """``end`` is on or after ``start`` (both dates; blanks pass)."""
    def check(t: pd.DataFrame) -> pd.Series:
        return pd.Series([s is not None and e is not None and e < s for s, e in zip(t[start], t[end], strict=True)],
                         index=t.index)
    return Rule(f"`{end}` is on or after `{start}` ({what})", (end, start), check,
                f"this {what} ends before it starts; check the two dates (the end date must be on or after the "
                "start date)", severity)


def not_above(part: str, whole: str, what: str, severity: Severity = "error", *,
              than: str = "the denominator") -> Rule:
    """``part`` is not larger than ``whole`` (numbers; blanks pass)."""
    def check(t: pd.DataFrame) -> pd.Series:
        return t[part].astype(float) > t[whole].astype(float)
    word = "a warning: the published file has such rows, which are kept" if severity == "warning" else "an error"
    return Rule(f"`{part}` is not larger than `{whole}` ({word})", (part, whole), check,
                f"{what} is larger than {than}" + (" (kept as published)" if severity == "warning" else
                                                           "; this cannot be: check the row"), severity)


def ci_order(lower: str, value: str, upper: str) -> Rule:
    """``lower <= value <= upper`` where given."""
    def check(t: pd.DataFrame) -> pd.Series:
        lo, v, hi = (t[c].astype(float) for c in (lower, value, upper))
        return (lo > v) | (v > hi) | (lo > hi)
    return Rule(f"`{lower}` <= `{value}` <= `{upper}` where given", (value, lower, upper), check,
                "the value is outside its confidence interval (or the lower limit is above the upper): the limits "
                "are inverted or belong to another row; re-export the data")


def coordinates(lat: str, lon: str) -> tuple[Rule, ...]:
    """WGS84 degrees in Great Britain: a swapped pair, or British National Grid metres, are named as such.

    Each coordinate is judged on its own when the other is blank or absent (a lone latitude outside Great
    Britain is refused too), so no point outside Great Britain ever reaches an importer.
    """
    def both(t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        nan = pd.Series(np.nan, index=t.index, dtype=float)
        return (t[lat].astype(float) if lat in t.columns else nan), (t[lon].astype(float) if lon in t.columns
                                                                       else nan)

    def swapped(t: pd.DataFrame) -> pd.Series:
        la, lo = both(t)
        return la.between(-9.0, 2.5) & lo.between(49.0, 61.0)

    def grid(t: pd.DataFrame) -> pd.Series:
        la, lo = both(t)
        return (la.abs() > 1000) | (lo.abs() > 1000)

    def outside(column: str, low: float, high: float) -> Check:
        """Points whose ``column`` is outside Great Britain (a swapped or grid pair has its own message)."""
        def check(t: pd.DataFrame) -> pd.Series:
            value = t[column].astype(float)
            out = value.notna() & ~value.between(low, high)
            if lat in t.columns and lon in t.columns:  # the pair rules run and name these themselves
                out &= ~swapped(t) & ~grid(t)
            return out
        return check

    return (
        Rule(f"`{lat}`/`{lon}` not swapped (a latitude of -9 to 2.5 with a longitude of 49 to 61 is refused)",
             (lat, lon), swapped, "latitude and longitude are swapped (this latitude is a British longitude and "
             "the longitude a British latitude); exchange the two columns"),
        Rule(f"`{lat}`/`{lon}` are degrees, not British National Grid metres (values above 1,000 are refused)",
             (lat, lon), grid, "this looks like a British National Grid easting/northing in metres, not WGS84 "
             "degrees; give latitude and longitude in degrees (convert from EPSG:27700)"),
        Rule(f"`{lat}` from 49 to 61 (Great Britain), with or without a longitude", (lat,),
             outside(lat, 49.0, 61.0), "this latitude is not in Great Britain (49 to 61 degrees north); correct it "
             "or leave both coordinates blank"),
        Rule(f"`{lon}` from -9 to 2.5 (Great Britain), with or without a latitude", (lon,),
             outside(lon, -9.0, 2.5), "this longitude is not in Great Britain (-9 to 2.5 degrees); correct it or "
             "leave both coordinates blank"),
    )


# ------------------------------------------------------------------------------------------- documentation


def rule_lines(schema: Schema) -> list[str]:
    """Every rule of ``schema`` as one Markdown bullet (``docs/importing.md`` must contain each one)."""
    out = []
    for f in schema.fields:
        rules = f.rules()
        if rules:
            header = " / ".join(f"`{h}`" for h in f.headers[:1])
            out.append(f"- {header}: {'; '.join(rules)}")
    if schema.where_text:
        out.append(f"- rows checked: {schema.where_text}")
    out += [f"- {_as_headers(schema, r.text)}" + (" (a warning)" if r.severity == "warning" and "warning" not in
                                                     r.text else "") for r in schema.rules]
    out += [f"- {_as_headers(schema, k.text)}" for k in schema.keys]
    out += ["- at least one of the columns " + ", ".join(f"`{schema.field(c).headers[0]}`" for c in group)
            for group in schema.one_of]
    out += [f"- {n}" for n in schema.notes]
    return out


def _as_headers(schema: Schema, text: str) -> str:
    """A rule's text with each canonical column name (in backticks) as the file's header."""
    for f in schema.fields:
        text = text.replace(f"`{f.name}`", f"`{f.headers[0]}`")
    return text


def rules_markdown(schemas: Sequence[Schema]) -> str:
    """The rules of every schema as Markdown sections (the text ``docs/importing.md`` carries)."""
    parts = []
    for s in schemas:
        parts.append(f"#### {s.title} (`{s.source}`)\n\n" + "\n".join(rule_lines(s)))
    return "\n\n".join(parts) + "\n"


__all__ = [
    "CQC_LOCATION", "GSS", "LSOA", "ODS_COMMISSIONER", "ODS_ORGANISATION", "ODS_PRACTICE", "ODS_PRACTICE_OR_BRANCH",
    "ODS_TRUST", "PCN", "WARD", "Field", "Rule", "Schema", "Unique", "ci_order", "coordinates", "not_above", "ordered",
    "rule_lines", "rules_markdown",
]
