"""Contract suites: one set of scenarios run against every implementation of a port."""
