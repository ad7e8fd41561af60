"""Request logs (`<input>/requests/**`) into the canonical request table of a window, with a
quarantine of rejected records, the repairs of optional fields and the skipped records.

The pipeline loads through `sql.load_requests_sql` (DuckDB, bounded memory); `oracle.py` is the
Polars test oracle it is checked against. Modules, from the ground up:

- `result`, `staging`: field catalogue, result types, warehouse tables;
- `rule_expr`, `rules`: the rule table (typing, repairs, quarantine checks, defaults), written
  once; `polars_rules` / `normalise` compile it to Polars, `sql_rules` / `sql_typed` /
  `sql_select` to DuckDB SQL;
- `discover`, `jsonl`, `tabular`, `adapters`, `unknown_fields`: finding and reading files;
  `read`: one file through the Polars engine;
- `sql_sources`, `sql_scratch`, `sql_window`, `sql`: the production loader;
- `oracle`, `oracle_accounting`, `oracle_load`: the test oracle;
- `side_tables`: the ingest side tables and their summary; `first_day`: the first day of data.
"""
