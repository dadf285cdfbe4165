"""Compare two published warehouses table by table: schema, then contents.

    .venvs/pipeline/bin/python bench/compare_warehouses.py BEFORE.duckdb AFTER.duckdb [--schema marts]
        [--rel-tol 1e-12] [--volatile TABLE.COLUMN ...]

For every table of the schema (default `marts`):
1. the column names, order and types must be equal;
2. the rows must be equal as multisets: `EXCEPT ALL` in both directions, in DuckDB;
3. only when (2) finds differences and the table has double columns, rows are paired (sorted on every other
   column) and doubles compared with a relative tolerance (default 1e-12, absolute 1e-12 near zero), for builds
   made by different code: a sum of doubles done in another order moves its ~15th digit (builds of the same code
   are bit-identical since sums are exact decimals: `--rel-tol 0`, dbt_project/README.md « Exact sums »).
   The table is then "identical within tolerance" and the largest relative gap is printed.

Volatile columns hold the time of the run, not data: when files were received or fetched (`recu_le`,
`derniere_reussite`…), the dbt snapshot's validity start and its hash (`valide_du`, `id_version`), and
`fct_reception_partenaire.id_reception`, numbered in reception-time order (the example files of one run arrive
within one or two seconds, so ties move with the clock). They are compared for nullness only (`col is null`).
Prints one line per table and exits 1 when any table differs or exists on one side only. `meta` is not compared
by default (it holds the publication time and build duration).
"""

from __future__ import annotations

import argparse
import math
import sys

import duckdb

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}
VOLATILE = {
    "*.recu_le", "*.dernier_recu_le", "*.dernier_accepte_le", "*.octets_recus_le", "*.derniere_reussite",
    "*.derniere_tentative", "fct_action_ctg_historique.valide_du", "fct_action_ctg_historique.id_version",
    "fct_reception_partenaire.id_reception",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [db, schema, table],
    ).fetchall()


def _tables(con: duckdb.DuckDBPyConnection, db: str, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
        [db, schema],
    ).fetchall()
    return {r[0] for r in rows}


def _is_volatile(table: str, column: str, volatile: set[str]) -> bool:
    return f"{table}.{column}" in volatile or f"*.{column}" in volatile


def _select(table: str, columns: list[tuple[str, str]], volatile: set[str]) -> str:
    return ", ".join(f"{_quote(n)} is null as {_quote(n)}" if _is_volatile(table, n, volatile) else _quote(n)
                     for n, _ in columns)


def _close(a: object, b: object, rel_tol: float) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=rel_tol)
    return a == b


def _within_tolerance(con, rel_a: str, rel_b: str, select: str, columns, rel_tol: float) -> tuple[bool, float]:
    """Pair rows sorted on the non-double columns, then the doubles; compare doubles with the tolerance."""
    floats = [i for i, (_, t) in enumerate(columns) if t.upper() in FLOAT_TYPES]
    others = [i for i in range(len(columns)) if i not in floats]
    order = ", ".join(str(i + 1) for i in others + floats)
    rows_a = con.execute(f"select {select} from {rel_a} order by {order}").fetchall()
    rows_b = con.execute(f"select {select} from {rel_b} order by {order}").fetchall()
    worst = 0.0
    for ra, rb in zip(rows_a, rows_b, strict=True):
        for i, (x, y) in enumerate(zip(ra, rb, strict=True)):
            if not _close(x, y, rel_tol):
                return False, worst
            if i in floats and x is not None and y is not None and x != y:
                worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    return True, worst


def compare(before: str, after: str, schema: str, rel_tol: float, volatile: set[str]) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{before.replace(chr(39), chr(39) * 2)}' as a (read_only)")
    con.execute(f"attach '{after.replace(chr(39), chr(39) * 2)}' as b (read_only)")
    tables_a, tables_b = _tables(con, "a", schema), _tables(con, "b", schema)
    failures = 0
    for table in sorted(tables_a ^ tables_b):
        print(f"{schema}.{table}: only in {'BEFORE' if table in tables_a else 'AFTER'}")
        failures += 1
    for table in sorted(tables_a & tables_b):
        cols_a, cols_b = _columns(con, "a", schema, table), _columns(con, "b", schema, table)
        if cols_a != cols_b:
            print(f"{schema}.{table}: SCHEMA differs\n  before {cols_a}\n  after  {cols_b}")
            failures += 1
            continue
        select = _select(table, cols_a, volatile)
        rel_a, rel_b = f"a.{_quote(schema)}.{_quote(table)}", f"b.{_quote(schema)}.{_quote(table)}"
        n_a = con.execute(f"select count(*) from {rel_a}").fetchone()[0]
        n_b = con.execute(f"select count(*) from {rel_b}").fetchone()[0]
        only_a = con.execute(f"select {select} from {rel_a} except all select {select} from {rel_b}").fetchall()
        only_b = con.execute(f"select {select} from {rel_b} except all select {select} from {rel_a}").fetchall()
        n_vol = sum(1 for n, _ in cols_a if _is_volatile(table, n, volatile))
        shape = f"{n_a} rows, {len(cols_a)} columns" + (f", {n_vol} volatile compared for nullness" if n_vol else "")
        if not only_a and not only_b and n_a == n_b:
            print(f"{schema}.{table}: identical ({shape})")
            continue
        if n_a == n_b and any(t.upper() in FLOAT_TYPES for _, t in cols_a):
            ok, worst = _within_tolerance(con, rel_a, rel_b, select, cols_a, rel_tol)
            if ok:
                print(f"{schema}.{table}: identical within rel. tol. {rel_tol:g} ({shape}; {len(only_a)} rows "
                      f"differ only in doubles, largest relative gap {worst:.2e})")
                continue
        failures += 1
        print(f"{schema}.{table}: CONTENT differs ({n_a} vs {n_b} rows; {len(only_a)} only before, "
              f"{len(only_b)} only after)")
        for row in only_a[:5]:
            print(f"  - {row}")
        for row in only_b[:5]:
            print(f"  + {row}")
    total = len(tables_a | tables_b)
    print(f"{total - failures} of {total} tables identical" + (f", {failures} differ" if failures else ""))
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--rel-tol", type=float, default=1e-12)
    parser.add_argument("--volatile", nargs="*", default=sorted(VOLATILE),
                        help="TABLE.COLUMN or *.COLUMN compared for nullness only (default: run-time columns)")
    args = parser.parse_args()
    return compare(args.before, args.after, args.schema, args.rel_tol, set(args.volatile))


if __name__ == "__main__":
    sys.exit(main())
