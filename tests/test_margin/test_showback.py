"""Showback statements: cents that add up, per-currency totals, safe files, no tenant leaks."""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import polars as pl

from pipelines.lib.chargeback.export import tenant_file_name
from pipelines.lib.margin.figures import RECOVERY_COLUMNS
from pipelines.lib.margin.showback import build_showback, export_showback
from pipelines.lib.publish import publish_staged

D = Decimal
EVIL = '=HYPERLINK("http://x","y")'


def recovery() -> pl.DataFrame:
    third = D(1) / D(3)
    rows = [  # tenant, feature, currency, charge
        ("acme", "f1", "USD", third.quantize(D("1e-18"))),
        ("acme", "f2", "USD", third.quantize(D("1e-18"))),
        ("acme", "f3", "USD", third.quantize(D("1e-18"))),
        ("acme", "f4", "EUR", D("2.005")),
        ("acme", "f5", None, None),
        (EVIL, "f1", "USD", D("7.125")),
    ]
    return pl.DataFrame(
        [
            {
                "billing_period": "2026-10",
                "tenant_id": t,
                "feature": f,
                "unit": None if c is None else "request",
                "currency": c,
                "units": None if c is None else D(1),
                "internal_charge": v,
                "llm_cost": None,
                "recovery": None,
                "recovery_ratio": None,
                "recovery_status": "unknown",
                "reason": "no internal rate" if c is None else None,
            }
            for t, f, c, v in rows
        ],
        schema=RECOVERY_COLUMNS,
        orient="row",
    ).with_columns(pl.lit(None, dtype=pl.String()).alias("tenant_name"))


def test_cents_add_up_per_tenant_and_currency() -> None:
    frame = build_showback(recovery())
    acme_usd = frame.filter((pl.col("tenant_id") == "acme") & (pl.col("currency") == "USD"))
    # 3 x 0.333... = 1.00 exactly after largest remainder (0.34 + 0.33 + 0.33)
    assert acme_usd["internal_charge"].to_list() == [D("0.34"), D("0.33"), D("0.33")]
    eur = frame.filter(pl.col("currency") == "EUR")["internal_charge"].to_list()
    assert eur == [D("2.00")]  # 2.005 half-even
    unknown = frame.filter(pl.col("feature") == "f5")
    assert unknown["internal_charge"].to_list() == [None]  # blank, never 0.00


def test_export_files_manifest_and_isolation(tmp_path: Path) -> None:
    frame = build_showback(recovery())
    target = export_showback(tmp_path, "2026-10", frame)
    publish_staged(tmp_path)
    assert target == tmp_path / "exports" / "showback" / "2026-10"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    # per currency, never added across currencies: USD 1.00 (acme) + 7.12 (7.125 half-even)
    assert manifest["totals_per_currency"] == {"internal_charge": {"EUR": "2.00", "USD": "8.12"}}
    assert manifest["rows"] == 6 and manifest["unknown_charges"] == 1
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == digest
    evil_file = target / "tenants" / tenant_file_name(EVIL)
    with evil_file.open(encoding="utf-8") as handle:
        evil_rows = list(csv.DictReader(handle))
    assert [r["tenant_id"] for r in evil_rows] == ["'" + EVIL]  # neutralised, only its row
    acme = {t["tenant_id"]: t for t in manifest["tenants"]}["acme"]
    assert acme["internal_charge"] == {"EUR": "2.00", "USD": "1.00"}
    with (target / acme["file"]).open(encoding="utf-8") as handle:
        assert {r["tenant_id"] for r in csv.DictReader(handle)} == {"acme"}
    with (target / "showback.csv").open(encoding="utf-8") as handle:
        blank = [r for r in csv.DictReader(handle) if r["feature"] == "f5"]
    assert blank[0]["internal_charge"] == ""


def test_rewrite_replaces_the_month(tmp_path: Path) -> None:
    frame = build_showback(recovery())
    export_showback(tmp_path, "2026-10", frame)
    publish_staged(tmp_path)
    target = export_showback(tmp_path, "2026-10", frame.filter(pl.col("tenant_id") == "acme"))
    publish_staged(tmp_path)
    assert target is not None
    assert [p.name for p in (target / "tenants").iterdir()] == [tenant_file_name("acme")]
    assert export_showback(tmp_path, "2026-11", frame.clear()) is None
