"""Expectation suites in YAML: the schema, and a loader that reports mistakes as file:line.

One file per model or area under ``tests/expectations/``. A suite validates one model
(``model:``, optionally ``schema:``) or the result of one query (``query:``, dbt-style
Jinja: ``{{ ref('x') }}``, ``{{ source('crm', 'contacts') }}``, ``{{ as_of }}``)::

    suite: stg_crm__contacts            # optional: defaults to the file name
    model: stg_crm__contacts
    key: contact_id                     # shown as example keys of failing rows
    expectations:
      - name: email_is_valid            # optional: defaults to expectation(column)
        expect: expect_column_values_to_match_regex   # any GX 1.x expectation
        column: email                   # ... and its arguments, as GX names them
        regex: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'
        mostly: 0.99                    # GX's tolerance: at least 99 % of rows
        severity: error                 # error (default) fails the build; warn reports
        where: "not is_won"             # optional SQL filter: only these rows
        dimension: validity             # optional: completeness, uniqueness, ...

Any argument may be a reference instead of a literal: ``{var: data_quality.x}`` reads
``vars.revops.data_quality.x`` from dbt_project.yml (after ``--vars`` overrides);
``{seed: currencies, column: currency_code}`` reads a column of ``seeds/currencies.csv``.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from revops_cli.errors import ConfigError, one_line
from revops_cli.yamlpos import read_text

SEVERITIES = ("error", "warn")
DIMENSIONS = (
    "completeness",
    "uniqueness",
    "validity",
    "consistency",
    "timeliness",
    "volume",
)
SUITE_KEYS = ("suite", "description", "model", "schema", "query", "key", "expectations")
#: Keys of an expectation that are ours; every other key is an argument passed to GX.
OWN_KEYS = ("name", "expect", "severity", "where", "description", "dimension")
#: GX arguments that name the columns an expectation reads.
COLUMN_ARGS = ("column", "column_A", "column_B")
COLUMN_LIST_ARGS = ("column_list", "column_set")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SuiteError(ConfigError):
    """A mistake in a suite file, reported as ``file:line: what is wrong``."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite, with its GX arguments resolved."""

    name: str
    type: str
    kwargs: Mapping[str, Any]
    severity: str
    where: str | None
    description: str | None
    dimension: str
    line: int

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the expectation reads (empty for table-level ones)."""
        out = [str(self.kwargs[a]) for a in COLUMN_ARGS if a in self.kwargs]
        for a in COLUMN_LIST_ARGS:
            out += [str(c) for c in self.kwargs.get(a) or ()]
        return tuple(dict.fromkeys(out))

    @property
    def needs_all_columns(self) -> bool:
        """Table-shape expectations look at every column of the relation."""
        return self.type.startswith(("expect_table_columns", "expect_table_column_count"))

    @property
    def mostly(self) -> float | None:
        value = self.kwargs.get("mostly")
        return float(value) if isinstance(value, int | float) else None


@dataclass(frozen=True)
class Suite:
    """A suite file: what it validates and its expectations."""

    name: str
    path: Path
    model: str | None
    schema: str | None
    query: str | None
    query_line: int
    key: tuple[str, ...]
    description: str | None
    expectations: tuple[ExpectationSpec, ...] = field(default_factory=tuple)


# --- YAML with line numbers -----------------------------------------------------------


class _Map(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    lines: dict[Any, int]


class _List(list[Any]):
    line: int = 0
    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line, out.lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | float | bool) or key is None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word", key_node.start_mark
            )
        if key in out:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {out.lines[key]})",
                key_node.start_mark,
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _construct_list(loader: _LineLoader, node: yaml.SequenceNode) -> _List:
    out = _List(loader.construct_object(n, deep=True) for n in node.value)
    out.line, out.lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


def _line(value: Any, key: Any = None, default: int = 1) -> int:
    if isinstance(value, _Map) and key is not None and key in value.lines:
        return value.lines[key]
    return int(getattr(value, "line", default) or default)


# --- Loading --------------------------------------------------------------------------


def suite_files(folder: Path) -> list[Path]:
    """The suite files of a folder, in name order."""
    if not folder.is_dir():
        raise ConfigError(f"no expectation suites: {folder} is not a folder")
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def load_suites(
    paths: Iterable[Path],
    *,
    variables: Mapping[str, Any] | None = None,
    seeds_dir: Path | None = None,
    validate: bool = True,
) -> list[Suite]:
    """Parse and check suite files; the first mistake raises SuiteError (file:line).

    Args:
        paths: the suite files.
        variables: ``vars.revops`` of the project, for ``{var: ...}`` references.
        seeds_dir: the project's seeds folder, for ``{seed: ...}`` references.
        validate: also check each expectation's arguments with GX (imports GX, ~3 s).
    """
    suites: list[Suite] = []
    names: dict[str, Path] = {}
    for path in paths:
        suite = load_suite(path, variables=variables, seeds_dir=seeds_dir, validate=validate)
        if suite.name in names:
            raise SuiteError(
                path, 1, f"suite {suite.name!r} is also defined in {names[suite.name]}"
            )
        names[suite.name] = path
        suites.append(suite)
    return suites


def load_suite(  # noqa: C901
    path: Path,
    *,
    variables: Mapping[str, Any] | None = None,
    seeds_dir: Path | None = None,
    validate: bool = True,
) -> Suite:
    """Parse and check one suite file (see load_suites)."""
    try:
        doc = yaml.load(read_text(path), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and "<stream end>" in str(exc.problem):
            mark = exc.context_mark  # an unclosed bracket: where it was opened
        line = mark.line + 1 if mark else 1
        raise SuiteError(path, line, f"not valid YAML: {exc.problem or exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    if not isinstance(doc, _Map):
        raise SuiteError(path, 1, "a suite file holds a mapping (suite:, model:, expectations:)")
    _known_keys(path, doc, SUITE_KEYS, "suite")
    name = _text(path, doc, "suite", required=False) or path.stem
    model = _text(path, doc, "model", required=False)
    query = _text(path, doc, "query", required=False)
    schema = _text(path, doc, "schema", required=False)
    if (model is None) == (query is None):
        raise SuiteError(path, doc.line, "a suite names exactly one of 'model' or 'query'")
    if model is not None and not _NAME.match(model):
        raise SuiteError(path, _line(doc, "model"), f"'model' must be a model name, not {model!r}")
    if query is not None and schema is not None:
        raise SuiteError(path, _line(doc, "schema"), "'schema' goes with 'model', not 'query'")
    query_line = _line(doc, "query")
    if query is not None:
        _check_query(path, query_line, query)
    key = _names(path, doc, "key")
    expectations = doc.get("expectations")
    if not isinstance(expectations, _List) or not expectations:
        raise SuiteError(path, _line(doc, "expectations", doc.line), "'expectations' is a list")
    specs: list[ExpectationSpec] = []
    seen: dict[str, int] = {}
    refs = _References(path, variables or {}, seeds_dir)
    for item, line in zip(expectations, expectations.lines, strict=True):
        spec = _expectation(path, item, line, refs)
        if spec.name in seen:
            raise SuiteError(
                path, line, f"expectation name {spec.name!r} is used twice (line {seen[spec.name]})"
            )
        seen[spec.name] = line
        specs.append(spec)
    if validate:
        for spec in specs:
            _validate_with_gx(path, spec)
    return Suite(
        name=name,
        path=path,
        model=model,
        schema=schema,
        query=query,
        query_line=query_line,
        key=key,
        description=_text(path, doc, "description", required=False),
        expectations=tuple(specs),
    )


def _known_keys(path: Path, doc: _Map, allowed: Iterable[str], what: str) -> None:
    allowed = tuple(allowed)
    for key in doc:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
            raise SuiteError(
                path,
                _line(doc, key),
                f"unknown {what} key {key!r} (expected one of {', '.join(allowed)}){did_you_mean}",
            )


def _text(path: Path, doc: _Map, key: str, *, required: bool) -> str | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise SuiteError(path, doc.line, f"'{key}' is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise SuiteError(path, _line(doc, key), f"'{key}' must be text")
    return value.strip()


def _names(path: Path, doc: _Map, key: str) -> tuple[str, ...]:
    value = doc.get(key)
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and _NAME.match(v) for v in items):
        raise SuiteError(path, _line(doc, key), f"'{key}' is a column name or a list of them")
    return tuple(items)


def _expectation(path: Path, item: Any, line: int, refs: _References) -> ExpectationSpec:  # noqa: C901
    if not isinstance(item, _Map):
        raise SuiteError(path, line, "an expectation is a mapping with 'expect:' and arguments")
    expect = item.get("expect")
    if not isinstance(expect, str) or not expect.startswith("expect_"):
        raise SuiteError(
            path,
            _line(item, "expect", line),
            "'expect' names a GX expectation, e.g. expect_column_values_to_not_be_null",
        )
    severity = item.get("severity", "error")
    if severity not in SEVERITIES:
        raise SuiteError(
            path, _line(item, "severity", line), f"'severity' is error or warn, not {severity!r}"
        )
    dimension = item.get("dimension") or _dimension(expect)
    if dimension not in DIMENSIONS:
        raise SuiteError(
            path,
            _line(item, "dimension", line),
            f"'dimension' is one of {', '.join(DIMENSIONS)}, not {dimension!r}",
        )
    where = item.get("where")
    if where is not None:
        if not isinstance(where, str) or not where.strip():
            raise SuiteError(path, _line(item, "where", line), "'where' is a SQL condition")
        _check_condition(path, _line(item, "where", line), where)
    kwargs = {
        str(k): refs.resolve(v, _line(item, k, line)) for k, v in item.items() if k not in OWN_KEYS
    }
    for arg in COLUMN_ARGS:
        if arg in kwargs and not isinstance(kwargs[arg], str):
            raise SuiteError(path, _line(item, arg, line), f"'{arg}' is a column name")
    name = item.get("name")
    if name is None:
        cols = [str(kwargs[a]) for a in COLUMN_ARGS if a in kwargs]
        name = expect.removeprefix("expect_") + (f"({', '.join(cols)})" if cols else "")
    elif not isinstance(name, str) or not name.strip():
        raise SuiteError(path, _line(item, "name", line), "'name' must be text")
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        raise SuiteError(path, _line(item, "description", line), "'description' must be text")
    return ExpectationSpec(
        name=name.strip(),
        type=expect,
        kwargs=kwargs,
        severity=severity,
        where=where.strip() if isinstance(where, str) else None,
        description=description,
        dimension=dimension,
        line=line,
    )


def _dimension(expect: str) -> str:
    if "not_be_null" in expect or "non_null" in expect:
        return "completeness"
    if "unique" in expect:
        return "uniqueness"
    if "_pair_" in expect or "multicolumn" in expect or "equal_other_table" in expect:
        return "consistency"
    if expect.startswith("expect_table_row_count"):
        return "volume"
    return "validity"


class _References:
    """Resolves ``{var: ...}`` and ``{seed: ..., column: ...}`` in expectation arguments."""

    def __init__(self, path: Path, variables: Mapping[str, Any], seeds_dir: Path | None) -> None:
        self.path, self.variables, self.seeds_dir = path, variables, seeds_dir

    def resolve(self, value: Any, line: int) -> Any:
        if isinstance(value, _Map) and set(value) == {"var"}:
            return self._var(value["var"], _line(value, "var", line))
        if isinstance(value, _Map) and set(value) == {"seed", "column"}:
            return self._seed(value["seed"], value["column"], _line(value, "seed", line))
        if isinstance(value, _Map) and ("var" in value or "seed" in value):
            raise SuiteError(
                self.path, line, "a reference is {var: a.b.c} or {seed: name, column: col}"
            )
        if isinstance(value, dict):
            return {k: self.resolve(v, _line(value, k, line)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, line) for v in value]
        return value

    def _var(self, dotted: Any, line: int) -> Any:
        if not isinstance(dotted, str):
            raise SuiteError(self.path, line, "{var: ...} names a key under vars.revops, a.b.c")
        node: Any = self.variables
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise SuiteError(
                    self.path, line, f"vars.revops.{dotted} is not set in dbt_project.yml"
                )
            node = node[part]
        return node

    def _seed(self, seed: Any, column: Any, line: int) -> list[str]:
        if self.seeds_dir is None:
            raise SuiteError(self.path, line, "{seed: ...} needs the project's seeds folder")
        csv_path = self.seeds_dir / f"{seed}.csv"
        if not isinstance(seed, str) or not csv_path.is_file():
            raise SuiteError(self.path, line, f"no seed {seed!r} in {self.seeds_dir}")
        with csv_path.open(newline="") as f:
            reader = csv.DictReader(f)
            if column not in (reader.fieldnames or []):
                raise SuiteError(
                    self.path,
                    line,
                    f"seed {seed!r} has no column {column!r} "
                    f"(it has {', '.join(reader.fieldnames or [])})",
                )
            return sorted({row[column] for row in reader if row[column]})


def _check_condition(path: Path, line: int, where: str) -> None:
    import sqlglot
    from sqlglot import exp

    try:
        parsed = sqlglot.parse(f"select 1 where {where}", read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SuiteError(path, line, f"'where' is not a SQL condition: {_first(exc)}") from exc
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Select):
        raise SuiteError(path, line, "'where' is one SQL condition, nothing else")


def _check_query(path: Path, line: int, query: str) -> None:
    """A query is one SELECT (Jinja rendered with stand-ins first)."""
    from revops_cli.checks.sql import QueryError, parse_query, render_query

    try:
        sql = render_query(query, ref=lambda n: n, source=lambda s, t: f"{s}.{t}", as_of=None)
        parse_query(sql, "duckdb")
    except QueryError as exc:
        raise SuiteError(path, line + exc.line, f"'query': {exc.message}") from exc


def _first(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        return str(errors[0].get("description", exc))
    return one_line(exc, 200)


def _validate_with_gx(path: Path, spec: ExpectationSpec) -> None:
    """Build the GX expectation once, so a wrong argument is reported at its line."""
    from revops_cli.checks.gx import build_expectation, gx_errors

    try:
        build_expectation(spec, meta={})
    except gx_errors() as exc:
        raise SuiteError(path, spec.line, f"expectation {spec.name!r}: {_gx_message(exc)}") from exc


def _gx_message(exc: Exception) -> str:
    from revops_cli.checks.gx import known_expectation_types

    name = type(exc).__name__
    if name == "ExpectationNotFoundError":
        wanted = str(exc).split(" ")[0]
        hint = difflib.get_close_matches(wanted, known_expectation_types(), n=1)
        return f"GX has no expectation {wanted!r}" + (
            f"; did you mean {hint[0]!r}?" if hint else ""
        )
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return "; ".join(parts)
    return one_line(exc, 300)
