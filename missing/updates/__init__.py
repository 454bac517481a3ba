"""Missing-child updates (seed 002 §14): the latest position and the actions to locate a missing child."""
