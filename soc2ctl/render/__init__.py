"""Human renderings of plans and apply results, all built from the plan document."""
