"""
The order book, built from a story's published orders: how many trains are on order (firm, on
option, conditional on an approval) and for how much, after each date on which it changed.

Each order is a first row (a new order or option) and the rows that change it. The rules:
- a new order adds a line to the book;
- taking up an option moves the trains taken up from the option to a firm line of their own;
- a reduction sets the line's trains (and value, when given);
- a lapse or cancellation takes the line out;
- an update, and another source's account, change no number: an account's value that differs
  from the order's is kept beside it, so the book shows a range ("£460m or £500m") and names
  every source, rather than picking one.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .models import Order, Qualifier
from .money import money_range

COMMITMENTS = list(Order.Commitment)
COMMITMENT_WORDS = {
    Order.Commitment.FIRM: "on firm order",
    Order.Commitment.OPTION: "on option",
    Order.Commitment.CONDITIONAL: "conditional on an approval",
}


@dataclass
class Line:
    """One order (or the part of an option taken up) as it stands, with the rows behind it."""

    order: Order
    commitment: str
    trains: int | None
    cars: int | None
    value: Decimal | None
    rows: list = field(default_factory=list)

    @property
    def values(self):
        """Every value the sources give for this line, lowest first (several when they differ)."""
        given = {self.value} if self.value is not None else set()
        for row in self.rows:
            if row.development == Order.Development.ACCOUNT and row.value is not None:
                given.add(row.value)
        return sorted(given)


@dataclass
class Step:
    """The book after one date: the rows dated then, and every line in force after them."""

    when: object  # PreciseDate
    rows: list
    lines: list

    def trains(self, commitment):
        return sum(line.trains or 0 for line in self.lines if line.commitment == commitment)

    def value_range(self, commitment):
        """(lowest, highest) total value of the lines of `commitment`, or None if none is known."""
        lines = [line for line in self.lines if line.commitment == commitment and line.values]
        if not lines:
            return None
        return sum(line.values[0] for line in lines), sum(line.values[-1] for line in lines)

    def value(self, commitment):
        """(lowest, highest, whether any is approximate) for `commitment`, or None."""
        known = self.value_range(commitment)
        if known is None:
            return None
        about = any(
            row.value_qualifier != Qualifier.EXACT
            for line in self.lines
            if line.commitment == commitment
            for row in line.rows
            if row.value is not None
        )
        return (*known, about)

    @property
    def held(self):
        """What the book holds after this date, firmest first, in words."""
        texts = []
        for commitment in COMMITMENTS:
            trains = self.trains(commitment)
            if not trains:
                continue
            text = f"{trains} train{'s' if trains != 1 else ''} {COMMITMENT_WORDS[commitment]}"
            value = self.value(commitment)
            if value:
                text += f" ({money_range(*value)})"
            texts.append(text)
        return texts

    @property
    def total_trains(self):
        return sum(self.trains(commitment) for commitment in COMMITMENTS)

    @property
    def sources(self):
        return list({row.source_id: row.source for row in self.rows}.values())


def order_book(orders):
    """
    [Step, …], oldest first, from published orders oldest first (Order.objects.for_story).
    A development whose order is not among `orders` is left out.
    """
    lines = {}  # key: the new row's pk, or a taking-up's own pk for its firm line
    steps = {}
    for row in orders:
        steps.setdefault(row.when, []).append(row)
    result = []
    for when, rows in steps.items():
        for row in rows:
            apply(lines, row)
        result.append(Step(when=when, rows=rows, lines=list(lines.values())))
        # Later rows change copies: each step keeps the book as it stood after its date.
        lines = {key: copy_line(line) for key, line in lines.items()}
    return result


def copy_line(line):
    return Line(
        order=line.order,
        commitment=line.commitment,
        trains=line.trains,
        cars=line.cars,
        value=line.value,
        rows=list(line.rows),
    )


def apply(lines, row):
    Development = Order.Development
    if row.development == Development.NEW:
        lines[row.pk] = Line(row, row.commitment, row.trains, row.cars, row.value, [row])
        return
    line = lines.get(row.changes_id)
    if line is None:
        return  # its order is not published, or has lapsed already
    line.rows.append(row)
    if row.development == Development.EXERCISED:
        taken = row.trains or 0
        if line.trains is not None:
            line.trains = max(line.trains - taken, 0)
        line.cars = None  # the source no longer says how many cars are left on option
        lines[row.pk] = Line(row.order, row.commitment, row.trains, row.cars, row.value, [row])
    elif row.development == Development.REDUCED:
        line.trains = row.trains
        line.cars = row.cars
        if row.value is not None:
            line.value = row.value
    elif row.development == Development.LAPSED:
        del lines[row.changes_id]
