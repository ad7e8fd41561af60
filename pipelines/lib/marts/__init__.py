"""Library code behind the marts: late feedback, catalogs, forecast and guardrails."""
