"""The 57 FOCUS 1.2 Cost and Usage columns, in the reference order (§2 of the FOCUS reference).

`level` is the spec's feature level (M, C, R); `nullable` is "Allows nulls" from the column's
constraint table (PricingCurrency and PricingCurrencyEffectiveCost follow the table; their text says
MUST NOT be null, and costline always fills them). `sql_type` is how costline stores the column:
money and quantities are exact DECIMALs (never floats), date-times are UTC TIMESTAMPs.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.money import COST_SQL, UNIT_PRICE_SQL

QUANTITY_SQL = "DECIMAL(38,6)"  # tokens x 0.000001 is exact at scale 6
STRING_MAX_LENGTH = 1024


@dataclass(frozen=True)
class FocusColumn:
    """One FOCUS column."""

    name: str
    level: str  # M / C / R
    data_type: str  # String / Decimal / DateTime / JSON
    nullable: bool
    sql_type: str

    @property
    def precision_scale(self) -> tuple[int, int] | None:
        """(precision, scale) of a DECIMAL storage type."""
        if not self.sql_type.startswith("DECIMAL("):
            return None
        p, s = self.sql_type[len("DECIMAL(") : -1].split(",")
        return int(p), int(s)


def _c(name: str, level: str, data_type: str, nullable: bool, sql_type: str = "") -> FocusColumn:
    default = {"String": "VARCHAR", "JSON": "VARCHAR", "DateTime": "TIMESTAMP"}.get(data_type, "")
    return FocusColumn(name, level, data_type, nullable, sql_type or default)


S, D, T, J = "String", "Decimal", "DateTime", "JSON"

COLUMNS: tuple[FocusColumn, ...] = (
    _c("AvailabilityZone", "R", S, True),
    _c("BilledCost", "M", D, False, COST_SQL),
    _c("BillingAccountId", "M", S, False),
    _c("BillingAccountName", "M", S, True),
    _c("BillingAccountType", "C", S, False),
    _c("BillingCurrency", "M", S, False),
    _c("BillingPeriodEnd", "M", T, False),
    _c("BillingPeriodStart", "M", T, False),
    _c("CapacityReservationId", "C", S, True),
    _c("CapacityReservationStatus", "C", S, True),
    _c("ChargeCategory", "M", S, False),
    _c("ChargeClass", "M", S, True),
    _c("ChargeDescription", "M", S, True),
    _c("ChargeFrequency", "R", S, False),
    _c("ChargePeriodEnd", "M", T, False),
    _c("ChargePeriodStart", "M", T, False),
    _c("CommitmentDiscountCategory", "C", S, True),
    _c("CommitmentDiscountId", "C", S, True),
    _c("CommitmentDiscountName", "C", S, True),
    _c("CommitmentDiscountQuantity", "C", D, True, QUANTITY_SQL),
    _c("CommitmentDiscountStatus", "C", S, True),
    _c("CommitmentDiscountType", "C", S, True),
    _c("CommitmentDiscountUnit", "C", S, True),
    _c("ConsumedQuantity", "C", D, True, QUANTITY_SQL),
    _c("ConsumedUnit", "C", S, True),
    _c("ContractedCost", "M", D, False, COST_SQL),
    _c("ContractedUnitPrice", "C", D, True, UNIT_PRICE_SQL),
    _c("EffectiveCost", "M", D, False, COST_SQL),
    _c("InvoiceId", "R", S, True),
    _c("InvoiceIssuerName", "M", S, False),
    _c("ListCost", "M", D, False, COST_SQL),
    _c("ListUnitPrice", "C", D, True, UNIT_PRICE_SQL),
    _c("PricingCategory", "C", S, True),
    _c("PricingCurrency", "C", S, True),
    _c("PricingCurrencyContractedUnitPrice", "C", D, True, UNIT_PRICE_SQL),
    _c("PricingCurrencyEffectiveCost", "C", D, True, COST_SQL),
    _c("PricingCurrencyListUnitPrice", "C", D, True, UNIT_PRICE_SQL),
    _c("PricingQuantity", "M", D, True, QUANTITY_SQL),
    _c("PricingUnit", "M", S, True),
    _c("ProviderName", "M", S, False),
    _c("PublisherName", "M", S, False),
    _c("RegionId", "C", S, True),
    _c("RegionName", "C", S, True),
    _c("ResourceId", "C", S, True),
    _c("ResourceName", "C", S, True),
    _c("ResourceType", "C", S, True),
    _c("ServiceCategory", "M", S, False),
    _c("ServiceName", "M", S, False),
    _c("ServiceSubcategory", "R", S, False),
    _c("SkuId", "C", S, True),
    _c("SkuMeter", "C", S, True),
    _c("SkuPriceDetails", "C", J, True),
    _c("SkuPriceId", "C", S, True),
    _c("SubAccountId", "C", S, True),
    _c("SubAccountName", "C", S, True),
    _c("SubAccountType", "C", S, True),
    _c("Tags", "C", J, True),
)
assert len(COLUMNS) == 57

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
BY_NAME: dict[str, FocusColumn] = {c.name: c for c in COLUMNS}
DECIMAL_COLUMNS = frozenset(c.name for c in COLUMNS if c.data_type == D)
DATETIME_COLUMNS = frozenset(c.name for c in COLUMNS if c.data_type == T)
JSON_COLUMNS = frozenset(c.name for c in COLUMNS if c.data_type == J)
MANDATORY_COLUMNS = tuple(c.name for c in COLUMNS if c.level == "M")

# costline's own columns after the 57 (all `x_`), with their storage type.
X_COLUMNS: dict[str, str] = {
    "x_TenantId": "VARCHAR",
    "x_TenantName": "VARCHAR",
    "x_BusinessUnit": "VARCHAR",
    "x_CostCenter": "VARCHAR",
    "x_Feature": "VARCHAR",
    "x_Environment": "VARCHAR",
    "x_App": "VARCHAR",
    "x_Provider": "VARCHAR",
    "x_Model": "VARCHAR",
    "x_TokenKind": "VARCHAR",
    "x_ServiceTier": "VARCHAR",
    "x_ContextTier": "VARCHAR",
    "x_Requests": "BIGINT",
    "x_CostSource": "VARCHAR",
    # FOCUS makes ListCost non-null: true where costline had to derive it (no list price in the
    # billing currency: ListUnitPrice = ContractedUnitPrice; invoice rows: ListCost = BilledCost)
    "x_ListCostDerived": "BOOLEAN",
}
