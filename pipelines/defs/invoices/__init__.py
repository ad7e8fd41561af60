"""Vendor invoices: staging and allocation to tenants (the chargeback is `defs/chargeback`)."""
