"""Conformance checks as functions of responses: the suites call them on live answers, the harness's own
tests call them on crafted good and bad answers, so each check is shown to pass and to fail."""
