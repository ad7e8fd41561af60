"""costline: FOCUS 1.2 cost accounting for multi-tenant LLM features."""

__version__ = "0.1.0"
