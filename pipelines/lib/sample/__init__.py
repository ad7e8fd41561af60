"""Deterministic sample data: the CRM SaaS story (`generate`) and benchmark frames."""

from pipelines.lib.sample.bench import generate_benchmark, generate_requests_frame
from pipelines.lib.sample.generator import GenerateSummary, generate

__all__ = ["GenerateSummary", "generate", "generate_benchmark", "generate_requests_frame"]
