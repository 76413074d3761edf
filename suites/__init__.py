"""The conformance suites: run them with `rs-harness certify` (or `pytest --pyargs harness.suites`)."""
