"""Property tests over amounts and timestamps, for every invoice parser.

For any amount or date a file can hold, reading the invoices either gives the exact Decimal the
file states (rounded half-even past the 18th decimal, the table's scale) and the stated day, or
raises InvoiceError naming the file and the field; never any other exception.
"""

import json
import tempfile
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib.invoices import InvoiceError

SOURCES = ("openai", "anthropic", "azure_csv", "aws_parquet", "generic")
FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FIRST, LAST = date(2000, 1, 1), date(2099, 12, 31)

decimal_text = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A[+-]?\d{0,24}(\.\d{0,24})?([eE][+-]?\d{1,4})?\Z"),
    st.floats().map(repr),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028"),
        max_size=12,
    ),
)


def _expected_amount(text: str, shift: int) -> Decimal | None:
    """The value the file states, as DECIMAL(38, 18) keeps it; None = must be refused."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if number == 0:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 60
        value = number.scaleb(shift)
        if value.adjusted() >= 20:
            return None
        value = value.quantize(Decimal("1e-18"), rounding=ROUND_HALF_EVEN)
    return None if value.adjusted() >= 20 else value


def _read(files, source: str, **values):
    with tempfile.TemporaryDirectory(prefix="h2-prop-") as tmp:
        root = Path(tmp)
        rel = files.write(root, source, **values)
        try:
            return rel, files.read(root).lines, None
        except InvoiceError as exc:
            return rel, None, str(exc)


def _check_amount(files, source: str, amount: object, expected: Decimal | None) -> None:
    rel, lines, error = _read(files, source, amount=amount)
    field = files.FIELDS[source][0]
    if expected is None:
        assert error is not None, f"{amount!r} was accepted: {lines['billed_cost'].to_list()}"
    if error is not None:
        assert expected is None, f"{amount!r} refused: {error}"
        assert rel in error and f", {field}: " in error, error
        return
    assert lines["billed_cost"].to_list() == [expected]


@pytest.mark.parametrize("source", SOURCES)
@FAST
@given(text=decimal_text)
def test_any_amount_text_is_exact_or_refused_by_file_and_field(invoice_files, source, text):
    shift = -2 if source == "anthropic" else 0
    _check_amount(invoice_files, source, text, _expected_amount(text, shift))


@pytest.mark.parametrize("source", ["openai", "anthropic"])
@FAST
@given(
    number=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.integers(min_value=-(10**45), max_value=10**45),
        st.floats(allow_nan=True, allow_infinity=True),
    )
)
def test_any_json_number_is_exact_or_refused(invoice_files, source, number):
    literal = json.dumps(number) if isinstance(number, float) else str(number)
    shift = -2 if source == "anthropic" else 0
    expected = _expected_amount(literal, shift)
    _check_amount(invoice_files, source, invoice_files.RawJson(literal), expected)


@FAST
@given(
    number=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        # pyarrow's decimal type has no NaN or Infinity: the double column carries those
        st.decimals(places=9, allow_nan=False, allow_infinity=False),
    )
)
def test_any_parquet_number_is_exact_or_refused(invoice_files, number):
    """Doubles and decimals as Parquet stores them (a double through its shortest repr)."""
    text = repr(number) if isinstance(number, float) else str(number)
    _check_amount(invoice_files, "aws_parquet", number, _expected_amount(text, 0))


def _expected_day(moment: datetime) -> date | None:
    day = moment.date()
    return day if FIRST <= day <= LAST else None


@pytest.mark.parametrize("source", ["anthropic", "azure_csv", "aws_parquet", "generic"])
@FAST
@given(
    moment=st.one_of(
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
        st.datetimes(min_value=datetime(1999, 12, 1), max_value=datetime(2100, 1, 31)),
    )
)
def test_any_date_is_the_stated_day_or_refused(invoice_files, source, moment):
    if source == "generic":
        written: object = moment.date().isoformat()
    elif source == "aws_parquet":
        written = moment  # a Parquet timestamp column
    else:
        written = moment.isoformat() + "Z"
    rel, lines, error = _read(invoice_files, source, day=written)
    expected = _expected_day(moment)
    if source == "generic" and expected is not None and expected >= date(2026, 9, 2):
        expected = None  # after the fixed charge_period_end: refused on that field
    if expected is None:
        assert error is not None and rel in error, error
        assert "charge_period" in error or "ChargePeriodStart" in error or "starting_at" in error
        return
    assert error is None, error
    assert lines["ChargePeriodStart"].to_list() == [expected]


@pytest.mark.parametrize("source", ["anthropic", "azure_csv", "aws_parquet", "generic"])
@FAST
@given(text=st.text(max_size=30))
def test_any_date_text_is_read_or_refused_by_field(invoice_files, source, text):
    text = text.replace("\x00", "")  # a NUL byte is a broken file, tested in test_values
    rel, lines, error = _read(invoice_files, source, day=text)
    field = invoice_files.FIELDS[source][1]
    if error is not None:
        assert rel in error and (field in error or "charge_period_end" in error), error
    else:
        (day,) = lines["ChargePeriodStart"].to_list()
        assert FIRST <= day <= LAST


@FAST
@given(
    seconds=st.one_of(
        st.integers(min_value=-(10**14), max_value=10**14),
        st.integers(min_value=946684800, max_value=4102444799),
        st.floats(allow_nan=True, allow_infinity=True),
    )
)
def test_any_openai_bucket_time_is_its_utc_day_or_refused(invoice_files, seconds):
    literal = json.dumps(seconds)
    rel, lines, error = _read(invoice_files, "openai", day=invoice_files.RawJson(literal))
    expected = None
    if seconds == seconds and abs(seconds) < 1e15 and int(seconds) == seconds:
        try:
            day = datetime.fromtimestamp(int(seconds), tz=UTC).date()
        except (OverflowError, OSError, ValueError):  # before year 1 or after 9999
            day = None
        expected = day if day and FIRST <= day <= LAST else None
    if expected is None:
        assert error is not None and rel in error and "start_time" in error, error
        return
    assert error is None, error
    assert lines["ChargePeriodStart"].to_list() == [expected]
