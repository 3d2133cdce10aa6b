"""Sums of money as the newsroom writes them."""


def money(value):
    """Pounds as a reader says them: £500m, £1.2bn."""
    if value >= 1_000_000_000:
        return f"£{value / 1_000_000_000:.3g}bn"
    return f"£{value / 1_000_000:,.0f}m"


def money_range(low, high, about=False):
    """'about £500m', or '£460m or £500m: sources differ' when the sources' values differ."""
    prefix = "about " if about else ""
    if low == high:
        return f"{prefix}{money(low)}"
    return f"{prefix}{money(low)} or {money(high)}: sources differ"
