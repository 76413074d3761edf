"""One client for the appliance's APIs, shared by the conformance suites and the load scenarios."""

from harness.client.api import ApplianceClient, ArchiveTooLarge, gunzip_bounded
from harness.client.http import RECORDER, Exchange, Recorder, TargetError, Transport
from harness.client.login import LOGIN_FAILED, Login, login_failed
from harness.client.oauth import Credentials, TokenAnswer, TokenCache, request_token
from harness.client.realtime import (
    Mirror,
    RealtimeClient,
    RealtimeClosed,
    RealtimeError,
    RealtimeRefused,
    ServerMessage,
)

__all__ = [
    "LOGIN_FAILED",
    "RECORDER",
    "ApplianceClient",
    "ArchiveTooLarge",
    "Credentials",
    "Exchange",
    "Login",
    "Mirror",
    "RealtimeClient",
    "RealtimeClosed",
    "RealtimeError",
    "RealtimeRefused",
    "Recorder",
    "ServerMessage",
    "TargetError",
    "TokenAnswer",
    "TokenCache",
    "Transport",
    "gunzip_bounded",
    "login_failed",
    "request_token",
]
