"""Tasks, the dependency graph, the executor, diffs and the plan document."""
