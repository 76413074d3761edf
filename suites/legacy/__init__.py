"""The conformance suites of the legacy API family: the Bomgar 12.1 guide (API 1.7.0, `.ns` URLs,
username/password accounts). Every check here belongs to the 1.7.0 family (harness.plugin.check_family)."""
