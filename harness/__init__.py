"""rs-harness: conformance and load test harness for the BeyondTrust Remote Support appliance APIs."""

__version__ = "0.1.0"
