"""The missing person profile of a looked-after child (issue 11, part 3): pages, API, PDF and N8."""
