"""Monthly chargeback files of the allocated invoices, one statement per tenant."""
