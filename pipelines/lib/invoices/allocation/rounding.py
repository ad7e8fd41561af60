"""Rounding exact Decimal amounts to cents so that they add up to given totals.

`apportion` rounds a list to a total (largest remainder); `controlled_round` rounds a table so that
both its rows and its columns meet their rounded totals (used per invoice by the engine).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, localcontext

from pipelines.money import CENT


def apportion(exact: list[Decimal], total: Decimal, quantum: Decimal = CENT) -> list[Decimal]:
    """Round signed exact values to multiples of `quantum` summing to `total` (largest remainder).

    Each value is floored, then the missing units go one by one to the largest fractional parts
    (ties to the earlier index); a negative difference takes units from the smallest fractions.
    A negative total is apportioned on the mirrored values, so credits round like charges.
    """
    if total != total.quantize(quantum):
        raise ValueError(f"total {total} is not a multiple of {quantum}")
    if not exact:
        if total:
            raise ValueError("cannot apportion a non-zero total over no values")
        return []
    if total < 0:  # mirror, so credits round like charges (as money.largest_remainder does)
        return [-v for v in apportion([-e for e in exact], -total, quantum)]
    with localcontext() as ctx:
        ctx.prec = 80
        scaled = [e / quantum for e in exact]
        floors = [int(s.to_integral_value(rounding=ROUND_FLOOR)) for s in scaled]
        fractions = [s - f for s, f in zip(scaled, floors, strict=True)]
    left = int((total / quantum).to_integral_value()) - sum(floors)
    n = len(exact)
    if left >= 0:
        order = sorted(range(n), key=lambda i: (-fractions[i], i))
        step = 1
    else:
        order = sorted(range(n), key=lambda i: (fractions[i], i))
        step = -1
    for k in range(abs(left)):
        floors[order[k % n]] += step
    return [quantum * f for f in floors]


def controlled_round(
    exact: list[list[Decimal]],
    row_totals: list[Decimal],
    col_totals: list[Decimal],
    quantum: Decimal = CENT,
) -> list[list[Decimal]]:
    """Round a table of exact amounts to cents so each row adds up to its rounded row total and
    each column to its rounded column total (both apportioned from the same grand total, so each
    is the floor or the ceiling of its exact sum).

    Every entry starts at its floor and may only move up to its ceiling (an entry that is already
    a whole number of cents never moves: no cent appears where there was no amount). Cents go first
    to the largest fractions whose row and column both miss one; the rest are placed along
    augmenting paths (row -> column -> row that gives up that column's cent -> ...). When the two
    sets of margins cannot be met together it raises ArithmeticError (the caller then rounds each
    column on its own).
    """
    with localcontext() as ctx:
        ctx.prec = 80
        scaled = [[e / quantum for e in row] for row in exact]
    n, width = len(scaled), len(col_totals)
    cells = [[int(v.to_integral_value(rounding=ROUND_FLOOR)) for v in row] for row in scaled]
    can = [[scaled[i][j] != cells[i][j] for j in range(width)] for i in range(n)]
    row_need = [int(t / quantum) - sum(r) for t, r in zip(row_totals, cells, strict=True)]
    col_need = [int(col_totals[j] / quantum) - sum(r[j] for r in cells) for j in range(width)]
    raised: list[set[int]] = [set() for _ in range(width)]  # rows given this column's extra cent
    order = sorted(
        ((scaled[i][j] - cells[i][j], i, j) for i in range(n) for j in range(width) if can[i][j]),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    for _fraction, i, j in order:
        if row_need[i] > 0 and col_need[j] > 0:
            raised[j].add(i)
            row_need[i] -= 1
            col_need[j] -= 1
    for i in range(n):
        while row_need[i] > 0 and _augment(i, can, raised, col_need, width):
            row_need[i] -= 1
    if any(row_need) or any(col_need):
        raise ArithmeticError("controlled rounding found no placement for every cent")
    for j, rows_raised in enumerate(raised):
        for i in rows_raised:
            cells[i][j] += 1
    return [[quantum * v for v in row] for row in cells]


def _augment(
    start: int, can: list[list[bool]], raised: list[set[int]], col_need: list[int], width: int
) -> bool:
    """Give row `start` one more cent along a path ending in a column that still needs one."""
    parent: dict[int, tuple[int, int | None]] = {}  # column -> (row, column that row gave up)
    frontier = [(start, None)]
    seen_rows = {start}
    while frontier:
        next_frontier = []
        for row, gave_up in frontier:
            for j in range(width):
                if j in parent or not can[row][j] or row in raised[j]:
                    continue
                parent[j] = (row, gave_up)
                if col_need[j] > 0:
                    col_need[j] -= 1
                    column: int | None = j
                    while column is not None:
                        r, previous = parent[column]
                        raised[column].add(r)
                        if previous is not None:
                            raised[previous].discard(r)
                        column = previous
                    return True
                for other in list(raised[j]):
                    if other not in seen_rows:
                        seen_rows.add(other)
                        next_frontier.append((other, j))
        frontier = next_frontier
    return False
