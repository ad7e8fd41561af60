"""Library code behind the analytics marts (part 2: routing, budgets, anomalies, scorecard)."""
