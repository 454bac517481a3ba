"""Validate an SSDA903 missing table with the open-source validator (csc-validator-be-903).

Runs inside the validator's own virtual environment (scripts/venv903.sh), never the product's: the
validator pins pandas 1.5 and numpy 1.24. Usage:

    .venv-903/bin/python scripts/validate903.py missing.csv 2026

where 2026 names the collection year that starts on 1 April 2026 (the validator calls it "2027").
Prints JSON: {"rules": {code: [row numbers failing]}, "ran": [...], "skipped": [...], "failed": [...]}
and exits 1 when any selected rule failed a row or could not run.
"""

import json
import sys
from pathlib import Path

MISSING_TABLE_RULES = ["1004", "1005", "1006", "564", "565", "566", "567", "570", "571", "574", "586"]


def main(csv_path, year):
    from lac_validator.lac_validator import LacValidator
    from lac_validator.rules.ruleset_utils import get_year_ruleset

    validator_year = str(int(year) + 1)
    files = [{"name": Path(csv_path).name, "file_content": Path(csv_path).read_bytes(), "description": "This year"}]
    run = LacValidator(
        metadata={"collectionYear": validator_year, "localAuthority": "E09000001"},
        files=files,
        registry=get_year_ruleset(validator_year),
        selected_rules=MISSING_TABLE_RULES,
    )
    table = run.ds_results.get("Missing")
    failures = {}
    for code in MISSING_TABLE_RULES:
        column = f"ERR_{code}"
        if table is None or column not in table:
            failures[code] = []
            continue
        failures[code] = [int(i) for i in table.index[table[column] == True]]  # noqa: E712
    report = {"rules": failures, "ran": sorted(run.dones), "skipped": sorted(run.skips), "failed": sorted(run.fails),
              "rows": 0 if table is None else len(table)}
    print(json.dumps(report))
    bad = any(failures.values()) or run.fails or set(MISSING_TABLE_RULES) - set(run.dones)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
