"""Secrets never leave the harness: known values and the places secrets travel in are masked."""

from __future__ import annotations

import base64

from harness.redact import MASK, Redactor


def test_known_secrets_are_masked_wherever_they_appear():
    r = Redactor()
    r.add_credentials("client-1", "s3cret-value-xyz")
    r.add("tok-ABCDEFGHIJKLMNOP", None, "")
    basic = base64.b64encode(b"client-1:s3cret-value-xyz").decode()
    text = f"secret s3cret-value-xyz in text, basic {basic}, token tok-ABCDEFGHIJKLMNOP."
    out = r.text(text)
    for secret in ("s3cret-value-xyz", basic, "tok-ABCDEFGHIJKLMNOP"):
        assert secret not in out
    assert out.count(MASK) == 3
    assert "client-1" in r.text("client-1")  # a client id is not a secret


def test_places_secrets_travel_in_are_masked_whatever_the_value():
    r = Redactor()
    samples = {
        "Authorization: Bearer abcdefghijklmnop": "abcdefghijklmnop",
        "{'Authorization': 'Basic dXNlcjpwYXNzd29yZA=='}": "dXNlcjpwYXNzd29yZA==",
        '{"access_token": "unseen-token-value", "token_type": "Bearer"}': "unseen-token-value",
        '{"client_secret":"abc"}': '"abc"',
        "grant_type=client_credentials&client_secret=zzz-top&x=1": "zzz-top",
        "GET /x?access_token=qwertyuiop HTTP/1.1": "qwertyuiop",
    }
    for text, secret in samples.items():
        out = r.text(text)
        assert secret not in out, (text, out)
        assert MASK in out


def test_headers_mask_authorization_and_cookies():
    r = Redactor()
    out = r.headers({"Authorization": "Bearer x", "Cookie": "a=b", "Content-Type": "text/xml"})
    assert out == {"Authorization": MASK, "Cookie": MASK, "Content-Type": "text/xml"}


def test_short_values_are_not_taken_as_secrets():
    r = Redactor()
    r.add("abc")  # would mask ordinary words
    assert r.text("abc abc") == "abc abc"
    assert not r.secrets


def test_serialized_json_stays_json():
    import json

    r = Redactor()
    body = json.dumps({"h": 'Authorization: Bearer abcdefghijkl"', "q": "x?access_token=abcdefgh\\"})
    out = r.text(body)
    assert "abcdefghijkl" not in out and "abcdefgh\\" not in out
    json.loads(out)  # still parses
    nested = r.data({"evidence": [{"body": '{"access_token": "zzzzzzzzzz"}'}], "n": 1})
    assert "zzzzzzzzzz" not in json.dumps(nested) and nested["n"] == 1
