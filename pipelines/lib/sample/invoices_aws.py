"""Sample AWS invoices: FOCUS 1.2 exports for Bedrock billed in EUR by AWS EMEA (list price at
the day's USD->EUR rate), with VAT 19 %, a promotional credit and an EC2 row that is not AI."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pipelines.lib.invoices.allocation.fx import FxRates
from pipelines.lib.sample.invoice_format import MILLION, quantize
from pipelines.money import next_month

AWS_USAGE = {
    "input": "EUC1-MP:EUC1_InputTokenCount-Units",
    "output": "EUC1-MP:EUC1_OutputTokenCount-Units",
    "cache_read": "EUC1-MP:EUC1_CacheReadInputTokenCount-Units",
    "cache_write": "EUC1-MP:EUC1_CacheWriteInputTokenCount-Units",
    "cache_write_1h": "EUC1-MP:EUC1_CacheWrite1hInputTokenCount-Units",
}
FOCUS_COLUMNS = (
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_Discounts",
    "x_Operation",
    "x_ServiceCode",
)


def write_aws(cells: list[dict], months: list[date], fx: FxRates, root: Path) -> None:
    """FOCUS 1.2 AWS exports for Bedrock in EUR, one file per month."""
    folder = root / "focus"
    folder.mkdir(parents=True, exist_ok=True)
    for month in months:
        rows = []
        invoice = f"EUINV26-{month:%m}0117"
        end = next_month(month)
        usage_eur = Decimal(0)

        def base(
            category: str,
            start: date,
            stop: date,
            cost: Decimal,
            month: date = month,
            end: date = end,
            invoice: str = invoice,
            **extra,
        ) -> dict:
            row = dict.fromkeys(FOCUS_COLUMNS, "")
            row.update(
                {
                    "BilledCost": f"{cost}",
                    "EffectiveCost": f"{cost}",
                    "ListCost": f"{cost}",
                    "ContractedCost": f"{cost}",
                    "BillingAccountId": "123456789012",
                    "BillingAccountName": "Acme EU",
                    "BillingAccountType": "Billing Account",
                    "BillingCurrency": "EUR",
                    "BillingPeriodStart": f"{month}T00:00:00Z",
                    "BillingPeriodEnd": f"{end}T00:00:00Z",
                    "ChargeCategory": category,
                    "ChargeFrequency": "Usage-Based" if category == "Usage" else "One-Time",
                    "ChargePeriodStart": f"{start}T00:00:00Z",
                    "ChargePeriodEnd": f"{stop}T00:00:00Z",
                    "InvoiceId": invoice,
                    "InvoiceIssuerName": "Amazon Web Services EMEA SARL",
                    "ProviderName": "AWS",
                    "PublisherName": "Anthropic",
                    "RegionId": "eu-central-1",
                    "RegionName": "Europe (Frankfurt)",
                    "ServiceCategory": "AI and Machine Learning",
                    "ServiceName": "Amazon Bedrock",
                    "ServiceSubcategory": "Generative AI",
                    "SubAccountId": "210987654321",
                    "SubAccountName": "acme-llm-prod",
                    "SubAccountType": "Linked Account",
                    "x_ServiceCode": "AmazonBedrock",
                }
            )
            row.update(extra)
            return row

        for c in (c for c in cells if c["provider"] == "aws_bedrock" and month <= c["day"] < end):
            rate = fx.rate(c["day"], "USD", "EUR") or Decimal(1)
            cost = quantize((c["list"] or Decimal(0)) * rate, "1e-10")
            usage_eur += cost
            rows.append(
                base(
                    "Usage",
                    c["day"],
                    c["day"] + timedelta(days=1),
                    cost,
                    ChargeDescription="Claude Haiku 4.5 (Amazon Bedrock Edition)",
                    ConsumedQuantity=str(c["tokens"]),
                    ConsumedUnit="Tokens",
                    PricingQuantity=str(Decimal(c["tokens"]) * MILLION),
                    PricingUnit="1M Tokens",
                    PricingCategory="Standard",
                    SkuId="BEDROCK-HAIKU45",
                    SkuMeter=AWS_USAGE[c["kind"]],
                    SkuPriceId=f"BEDROCK-HAIKU45-{c['kind']}",
                    x_Operation="InvokeModel",
                )
            )
        credit = Decimal("-5.00") if month.month == 9 else Decimal(0)
        if credit:
            rows.append(
                base("Credit", month, end, credit, ChargeDescription="AWS Promotional Credit")
            )
        tax = quantize((usage_eur + credit) * Decimal("0.19"), "0.01")
        rows.append(base("Tax", month, end, tax, ChargeDescription="VAT 19% (DE)"))
        rows.append(
            base(
                "Usage",
                month + timedelta(days=3),
                month + timedelta(days=4),
                Decimal("3.1200000000"),
                ChargeDescription="t3.micro hours",
                ServiceCategory="Compute",
                ServiceName="Amazon Elastic Compute Cloud",
                ServiceSubcategory="Virtual Machines",
                ConsumedQuantity="24",
                ConsumedUnit="Hours",
                SkuMeter="EUC1-BoxUsage:t3.micro",
                PublisherName="AWS",
                x_ServiceCode="AmazonEC2",
            )
        )
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FOCUS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        (folder / f"aws-focus-1.2-{month:%Y-%m}.csv").write_text(buf.getvalue())
