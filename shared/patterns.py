"""The formats of identifiers every part of m2c checks (plain strings: usable in pydantic, regex, SQL)."""

PERIOD_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"  # a billing month, YYYY-MM (1900–2199)
UNIT_CODE_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"  # an org-unit code, e.g. QY-QC-01
