"""The static HTML report of a published warehouse (`costline report`).

`queries` reads each section from the warehouse (a missing table is a section that says so),
`charts` draws inline SVG by hand (no plotting library, no network at view time) and `html` lays
out the page. Entry point: `pipelines.cli.report.write_report`.
"""
