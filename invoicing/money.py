"""Integer øre arithmetic: the one rounding rule (half up) and the largest-remainder split of a whole.

Every amount on an invoice is an integer number of øre. A line's net amount is rounded once, where it is
computed (quantity × unit price ÷ base quantity, half up); the invoice's net total is the plain sum of its lines,
and the VAT is computed per rate on the sum of that rate's lines (EN 16931 BR-CO-17), half up. Nothing is ever
rounded twice, so the totals equal the sum of what is printed, to the øre. Reading and printing amounts is
stomi_app.money's (the documents print with its document_kr).
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded to the nearest integer, halves away from zero (5 øre and up rounds up)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return sign * quotient


def percent_of(amount_oere: int, basis_points: int) -> int:
    """A percentage (in basis points: 500 = 5 %) of an amount, rounded half up to the øre."""
    return div_half_up(amount_oere * basis_points, 10_000)


def largest_remainder(total: int, weights: Mapping[Hashable, int]) -> dict:
    """Split `total` øre in proportion to `weights` so that the parts sum to `total` exactly.

    Each part first gets the floor of its exact share; the øre left over (fewer than the number of parts) go one
    each to the parts with the largest remainders, ties to the larger weight and then to the earlier key in
    `weights`' order — so the result is deterministic. All weights zero: the total is split evenly the same way.
    """
    if total < 0:
        raise ValueError("the total must not be negative")
    keys = list(weights)
    if not keys:
        if total:
            raise ValueError("nothing to split the amount over")
        return {}
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        weights = {k: 1 for k in keys}
        weight_sum = len(keys)
    parts, remainders = {}, []
    for index, key in enumerate(keys):
        share, remainder = divmod(total * weights[key], weight_sum)
        parts[key] = share
        remainders.append((-remainder, -weights[key], index, key))
    left = total - sum(parts.values())
    for _r, _w, _i, key in sorted(remainders)[:left]:
        parts[key] += 1
    return parts
