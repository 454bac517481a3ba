"""The statutory clocks of RULES.md §2: pure deadline rules, services, selectors and receivers."""
