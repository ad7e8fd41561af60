"""The small expression vocabulary of the ingest rule table, and its two compilers.

A rule of `rules.py` (a quarantine check, a default, a derived column) is written once as a
tree of these nodes; `.polars()` compiles it to a Polars expression (the `normalise` path) and
`.sql()` to DuckDB SQL text (the `sql_select` path). Both compilers keep SQL's NULL logic, so a
rule means the same on both engines: each comparison is NULL when an operand is, and the
callers read a NULL check as "passes".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import polars as pl


def quote(name: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: object) -> str:
    """A SQL literal of a str, int or float."""
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


class Expr(ABC):
    """A node of a rule: every kind compiles to a Polars expression and to SQL text."""

    @abstractmethod
    def polars(self) -> pl.Expr:
        """The Polars expression."""

    @abstractmethod
    def sql(self) -> str:
        """The DuckDB SQL text."""


@dataclass(frozen=True)
class Col(Expr):
    """A column of the typed record (or a flag column the typing step computed)."""

    name: str

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return pl.col(self.name)

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return quote(self.name)


@dataclass(frozen=True)
class Lit(Expr):
    """A constant."""

    value: str | int

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return pl.lit(self.value)

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return literal(self.value)


@dataclass(frozen=True)
class Fill(Expr):
    """`value`, or `default` where it is NULL."""

    value: Expr
    default: Expr

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return self.value.polars().fill_null(self.default.polars())

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"coalesce({self.value.sql()}, {self.default.sql()})"


_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "and": lambda a, b: a & b,
}


@dataclass(frozen=True)
class Op(Expr):
    """A binary operator: `+`, `-`, `<`, `>` or `and`."""

    op: str
    left: Expr
    right: Expr

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return _OPS[self.op](self.left.polars(), self.right.polars())

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"({self.left.sql()} {self.op} {self.right.sql()})"


@dataclass(frozen=True)
class Not(Expr):
    """Logical not (NULL stays NULL)."""

    value: Expr

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return ~self.value.polars()

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"(not {self.value.sql()})"


@dataclass(frozen=True)
class IsNull(Expr):
    """True where the value is NULL."""

    value: Expr

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return self.value.polars().is_null()

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"({self.value.sql()} is null)"


@dataclass(frozen=True)
class In(Expr):
    """True where the value is one of `values` (NULL for a NULL value)."""

    value: Expr
    values: tuple[str, ...]

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return self.value.polars().is_in(list(self.values))

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"({self.value.sql()} in ({', '.join(literal(v) for v in self.values)}))"


@dataclass(frozen=True)
class Matches(Expr):
    """True where the text contains a match of the regular expression `pattern`."""

    value: Expr
    pattern: str

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return self.value.polars().str.contains(self.pattern)

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"regexp_matches({self.value.sql()}, {literal(self.pattern)})"


@dataclass(frozen=True)
class When(Expr):
    """`then` where `condition` holds, else `otherwise`."""

    condition: Expr
    then: Expr
    otherwise: Expr

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return (
            pl.when(self.condition.polars())
            .then(self.then.polars())
            .otherwise(self.otherwise.polars())
        )

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return (
            f"(case when {self.condition.sql()} then {self.then.sql()} "
            f"else {self.otherwise.sql()} end)"
        )


@dataclass(frozen=True)
class DateOf(Expr):
    """The calendar date of a timestamp."""

    value: Expr

    def polars(self) -> pl.Expr:
        """The Polars expression."""
        return self.value.polars().dt.date()

    def sql(self) -> str:
        """The DuckDB SQL text."""
        return f"{self.value.sql()}::date"


@dataclass(frozen=True)
class Check:
    """One quarantine rule: a record where `fails` holds is rejected with `field` and `reason`
    (the first failing check of the table wins)."""

    fails: Expr
    field: str
    reason: str


def col(name: str) -> Col:
    """Shorthand for `Col(name)`."""
    return Col(name)


def zero_if_null(name: str) -> Fill:
    """The column with NULL read as 0."""
    return Fill(Col(name), Lit(0))
