"""Revenue, internal prices, margin per tenant and feature, internal recovery and showback."""
