"""Demo data: a deterministic, realistic city bureau (清远供电局) loaded through the public APIs.

`load_demo(client, ...)` drives an app's HTTP API; `services.demo.cli` is `m2c demo load`.
The generators (org, facts, recovery, customers, workflow) are pure: a seed and a date in, rows out.
"""
