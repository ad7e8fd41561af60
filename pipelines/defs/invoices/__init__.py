"""Vendor invoices: staging, allocation to tenants and the monthly chargeback."""
