"""Bad values in every invoice source end in an InvoiceError naming file, line and field.

Before pipelines.lib.invoices.values these ended in PanicException (NaN / Infinity into a Polars
Decimal), BindingsError (1e40 into DECIMAL(38, 18)), OverflowError or ValueError (year 9999 plus a
day or a month) and Polars ComputeError (a token count past BIGINT).
"""

import json
import re
from decimal import Decimal as D

import pytest

from pipelines.lib.invoices import InvoiceError
from pipelines.lib.invoices.values import exact_amount

SOURCES = ("openai", "anthropic", "azure_csv", "aws_parquet", "generic")
LOCATION = {
    "openai": r"page\.json: result 1 \(data\[0\]\.results\[0\]\)",
    "anthropic": r"cost_report\.json: result 1 \(data\[0\]\.results\[0\]\)",
    "azure_csv": r"azure\.csv: line 2",
    "aws_parquet": r"aws\.parquet: line 1",
    "generic": r"invoice\.csv: line 2",
}
BUCKET = {
    "openai": r"page\.json: bucket 1 \(data\[0\]\)",
    "anthropic": r"cost_report\.json: bucket 1 \(data\[0\]\)",
}
BAD_AMOUNTS = ["NaN", "-Infinity", "Infinity", "1e40", "", "  ", "12,50", "0x10", "1E+22"]
BAD_DAYS = ["9999-12-31", "0000-01-01", "1999-12-31", "garbage", ""]


def _refused(files, tmp_path, message: str) -> str:
    with pytest.raises(InvoiceError) as err:
        files.read(tmp_path)
    assert re.search(message, str(err.value)), str(err.value)
    return str(err.value)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("text", BAD_AMOUNTS)
def test_bad_amount_text_is_refused_with_file_line_and_field(invoice_files, tmp_path, source, text):
    invoice_files.write(tmp_path, source, amount=text)
    field = re.escape(invoice_files.FIELDS[source][0])
    _refused(invoice_files, tmp_path, rf"{LOCATION[source]}, {field}: ")


@pytest.mark.parametrize("literal", ["NaN", "-Infinity", "Infinity", "1e40", "-1E+25"])
@pytest.mark.parametrize("source", ["openai", "anthropic"])
def test_json_number_literals_are_refused(invoice_files, tmp_path, source, literal):
    """Python's json reads NaN / Infinity literals; they must not pass as amounts."""
    invoice_files.write(tmp_path, source, amount=invoice_files.RawJson(literal))
    field = re.escape(invoice_files.FIELDS[source][0])
    _refused(invoice_files, tmp_path, rf"{LOCATION[source]}, {field}: ")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 1e40])
def test_parquet_double_amounts_nan_inf_and_huge_are_refused(invoice_files, tmp_path, value):
    invoice_files.write(tmp_path, "aws_parquet", amount=value)
    _refused(invoice_files, tmp_path, r"aws\.parquet: line 1, BilledCost: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5E+2", "150"), ("1E-3", "0.001"), ("-2.5e1", "-25"), ("0E+99", "0"), ("12.50", "12.50")],
)
@pytest.mark.parametrize("source", SOURCES)
def test_scientific_notation_is_read_exactly(invoice_files, tmp_path, source, text, expected):
    invoice_files.write(tmp_path, source, amount=text)
    (amount,) = invoice_files.read(tmp_path).lines["billed_cost"].to_list()
    scale = D("0.01") if source == "anthropic" else D(1)
    assert amount == D(expected) * scale


@pytest.mark.parametrize(
    ("source", "day"),
    [
        (source, day)
        for source in ("azure_csv", "aws_parquet", "generic", "anthropic")
        for day in BAD_DAYS
        # generic charge_period_start is optional: empty means the billing month
        if (source, day) != ("generic", "")
    ],
)
def test_out_of_range_and_garbage_days_are_refused(invoice_files, tmp_path, source, day):
    invoice_files.write(tmp_path, source, day=day)
    field = invoice_files.FIELDS[source][1]
    where = BUCKET.get(source, LOCATION[source])
    _refused(invoice_files, tmp_path, rf"{where}, {field}: ")


@pytest.mark.parametrize(
    "seconds",
    [253402214400 - 86400, -62135596800, 10**40, "garbage", "", True, 1.5e9 + 0.5],
    ids=["year-9999", "year-1", "1e40", "garbage", "empty", "true", "fraction"],
)
def test_openai_bucket_times_out_of_range_are_refused(invoice_files, tmp_path, seconds):
    literal = invoice_files.RawJson(json.dumps(seconds))
    invoice_files.write(tmp_path, "openai", day=literal)
    _refused(invoice_files, tmp_path, r"page\.json: bucket 1 \(data\[0\]\), start_time: ")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_openai_bucket_time_literals_are_refused(invoice_files, tmp_path, literal):
    invoice_files.write(tmp_path, "openai", day=invoice_files.RawJson(literal))
    _refused(invoice_files, tmp_path, r"bucket 1 \(data\[0\]\), start_time: ")


@pytest.mark.parametrize("month", ["9999-12", "0000-01", "1999-12"])
def test_a_billing_month_out_of_range_is_refused(invoice_files, tmp_path, month):
    rel = invoice_files.write(tmp_path, "generic")
    path = tmp_path / rel
    path.write_text(path.read_text().replace('"2026-09",', f'"{month}",', 1))
    _refused(invoice_files, tmp_path, rf"invoice\.csv: line 2, billing_period: .*{month}")
    folder = tmp_path / "invoices" / "openai" / month
    folder.mkdir(parents=True)
    (folder / "page.json").write_text('{"object": "page", "data": []}')
    path.unlink()
    _refused(invoice_files, tmp_path, rf"openai/{month}/page\.json: .*out of range|not a billing")


@pytest.mark.parametrize(
    ("source", "field", "value"),
    [
        ("generic", "quantity", "1e40"),
        ("generic", "quantity", "NaN"),
        ("generic", "quantity", "99999999999999999999"),
        ("generic", "quantity", "1.5"),
        ("azure_csv", "ConsumedQuantity", "NaN"),
        ("azure_csv", "ConsumedQuantity", "1e40"),
        ("openai", "quantity", "Infinity"),
    ],
)
def test_bad_token_counts_are_refused(invoice_files, tmp_path, source, field, value):
    rel = invoice_files.write(tmp_path, source)
    path = tmp_path / rel
    text = path.read_text()
    if source == "generic":
        lines = text.splitlines()
        text = f"{lines[0]},quantity\n{lines[1]},{value}\n"
    elif source == "azure_csv":
        lines = text.splitlines()
        text = f"{lines[0]},ConsumedQuantity,ConsumedUnit\n{lines[1]},{value},Tokens\n"
    else:
        text = text.replace('"project_id": "p"', f'"quantity": {value}, "quantity_unit": "tokens"')
    path.write_text(text)
    _refused(invoice_files, tmp_path, rf"{LOCATION[source]}, {field}: ")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1.5", "true", '""', "{}", "[]"])
def test_bad_invoice_json_headers_are_refused(invoice_files, tmp_path, value):
    invoice_files.write(tmp_path, "openai")
    sidecar = tmp_path / "invoices" / "openai" / "2026-09" / "invoice.json"
    sidecar.write_text(f'{{"invoice_id": {value}, "billing_account_id": "org"}}')
    _refused(invoice_files, tmp_path, r"invoice\.json: \$\.invoice_id: expected a non-empty string")


@pytest.mark.parametrize("currency", ["", "US", "12€", "EURO", "E R"])
@pytest.mark.parametrize("source", ["generic", "azure_csv"])
def test_bad_currencies_are_refused(invoice_files, tmp_path, source, currency):
    rel = invoice_files.write(tmp_path, source)
    path = tmp_path / rel
    old = '"USD"' if source == "generic" else '"EUR"'
    path.write_text(path.read_text().replace(old, f'"{currency}"'))
    field = "currency" if source == "generic" else "BillingCurrency"
    _refused(invoice_files, tmp_path, rf"{LOCATION[source]}, {field}: ")


def test_amounts_past_18_decimals_round_half_even_and_only_there():
    assert exact_amount("0.0600000000000000012", "f") == D("0.060000000000000001")
    assert exact_amount("0.0000000000000000005", "f") == D(0)
    assert exact_amount("0.0000000000000000015", "f") == D("0.000000000000000002")
    assert exact_amount("7.500000000000001e-07", "f") == D("0.00000075")
    # 20 digits before the point fit DECIMAL(38, 18); 21 do not, even after rounding
    assert exact_amount("99999999999999999999.5", "f") == D("99999999999999999999.5")
    with pytest.raises(InvoiceError, match="out of range"):
        exact_amount("99999999999999999999.9999999999999999999", "f")
    assert exact_amount("123.45", "f", -2) == D("1.2345")
