"""Quality gates every project uses: data checks that return readable problems, the CI gate.

- `data_checks`: schema, ranges, keys, nulls, references, drift (PSI and KS).
- `gate`: compare a candidate's metrics with the champion's (a JSON file or the registry).
"""
