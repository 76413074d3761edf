"""One client for the appliance's APIs, shared by the conformance suites and the load scenarios."""

from harness.client.api import ApplianceClient, gunzip_bounded
from harness.client.http import RECORDER, Exchange, Recorder, TargetError, Transport
from harness.client.oauth import Credentials, TokenAnswer, TokenCache, request_token

__all__ = [
    "RECORDER",
    "ApplianceClient",
    "Credentials",
    "Exchange",
    "Recorder",
    "TargetError",
    "TokenAnswer",
    "TokenCache",
    "Transport",
    "gunzip_bounded",
    "request_token",
]
