"""BRCS script files: the parser, the canonical serializer, the linter and its rule table, the catalogue."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import brcs
from harness.brcs import BrcsSyntaxError, Command, LintIssue, Script, filename_ok, lint, parse, serialize
from harness.catalogue import brcs as cat

H = "BRCS1.0\n"
HB = H.encode()


def rules(data: bytes | str, **kw: str) -> list[str]:
    raw = data.encode() if isinstance(data, str) else data
    return [i.rule for i in lint(raw, **kw)]


# ---------------------------------------------------------------------------------------------------------
# A valid example per action (the guide's query examples, less type= and operation=)

VALID_21_3 = {
    "login": "action=login&mechanism=username_password&username=username&password=password",
    "generate_session_key": "action=generate_session_key&session.custom.custom_field1=Custom%20Value"
    "&session.custom.custom_field2=123",
    "push_and_start_local": "action=push_and_start_local&hostname=ABCDEF02&session.custom.custom_field1=x",
    "push_and_start_remote": "action=push_and_start_remote&target=ABCDEF02&jumpoint=Network01",
    "start_jump_item_session": "action=start_jump_item_session&client.private_ip=10.10.24&jump.method=pinned"
    "&session.custom.custom_field1=Custom%20Value",
    "start_rdp_session": "action=start_rdp_session&target=ABCDEF02&jumpoint=Network01&username=jsmith"
    "&display_size=1024x768&quality=quality&console=yes",
    "start_vnc_session": "action=start_vnc_session&target=ABCDEF02&jumpoint=Network01&port=5901",
    "start_shell_jump_session": "action=start_shell_jump_session&target=ABCDEF02&jumpoint=Network01"
    "&username=jsmith&protocol=telnet&port=40&terminal=vt100",
    "start_vpro_session": "action=start_vpro_session&target=ABCDEF02&jumpoint=Network01",
    "delete_script_file": "action=delete_script_file",
}
VALID_12_1 = {
    "start_pinned_client_session": "action=start_pinned_client_session&search_string=192.168.9.14"
    "&session.custom.external_key=BMC0000001275",
    "generate_session_key": "action=generate_session_key&public_portal_hostname=support.example.com",
    "push_and_start_local": "action=push_and_start_local&hostname=ABCDEFGH02",
}


def test_examples_cover_every_action() -> None:
    assert set(VALID_21_3) == set(cat.ACTIONS["1.21.1"])
    assert set(VALID_12_1) == set(cat.ACTIONS["1.7.0"])


@pytest.mark.parametrize("action", sorted(VALID_21_3))
def test_valid_example_per_action(action: str) -> None:
    data = (H + VALID_21_3[action]).encode()
    assert lint(data) == []
    script = parse(data)
    assert script.commands[0].action == action
    assert serialize(script) == data  # the examples are canonical


@pytest.mark.parametrize("action", sorted(VALID_12_1))
def test_valid_example_per_action_api_1_7(action: str) -> None:
    assert lint((H + VALID_12_1[action]).encode(), api_version="1.7.0") == []


def test_generated_file_shape_login_action_delete() -> None:
    # What the client scripting API writes: login first, the action, then delete_script_file.
    data = (
        b"BRCS1.0\r\naction=login\r\naction=start_vpro_session&target=h&jumpoint=j\r\n"
        b"action=delete_script_file"
    )
    assert lint(data) == []
    assert parse(data).newline == "\r\n"


# ---------------------------------------------------------------------------------------------------------
# Every rule: a failing example that yields exactly that rule, and a passing counterpart

LOGIN = "action=login"
GSK = "action=generate_session_key"


def custom(value: str) -> bytes:
    """A generate_session_key file with one custom field written as given."""
    return f"{H}{GSK}&session.custom.a={value}".encode()


def custom_fields(n: int, size: int = 1000) -> bytes:
    return (H + GSK + "".join(f"&session.custom.f{i}={'x' * size}" for i in range(n))).encode()


CASES: list[tuple[str, str, bytes, bytes, dict]] = [
    # (rule, label, bad, good, lint keyword arguments)
    ("BRCS-001", "trailing space", b"BRCS1.0 \naction=login", b"BRCS1.0\naction=login", {}),
    ("BRCS-001", "lower case", b"brcs1.0\naction=login", b"BRCS1.0\naction=login", {}),
    ("BRCS-001", "two-digit version", b"BRCS10.0\naction=login", b"BRCS1.0\naction=login", {}),
    ("BRCS-001", "no header", b"action=login", b"BRCS1.0\naction=login", {}),
    ("BRCS-001", "byte-order mark", b"\xef\xbb\xbfBRCS1.0\naction=login", b"BRCS1.0\naction=login", {}),
    ("BRCS-001", "empty file", b"", b"BRCS1.0\naction=login", {}),
    ("BRCS-001", "non-ASCII digit", "BRCS\u0661.0\naction=login".encode(), b"BRCS1.0\naction=login", {}),
    ("BRCS-002", "version 2.0", b"BRCS2.0\naction=login", b"BRCS1.0\naction=login", {}),
    ("BRCS-003", "mixed newlines", f"{H}{LOGIN}\r\n{GSK}".encode(), f"{H}{LOGIN}\n{GSK}".encode(), {}),
    ("BRCS-004", "header only", b"BRCS1.0", b"BRCS1.0\naction=login", {}),
    ("BRCS-004", "header and newline", b"BRCS1.0\r\n", b"BRCS1.0\r\naction=login", {}),
    ("BRCS-005", "blank line", f"{H}{LOGIN}\n\n{GSK}".encode(), f"{H}{LOGIN}\n{GSK}".encode(), {}),
    ("BRCS-005", "whitespace line", f"{H}{LOGIN}\n \t\n{GSK}".encode(), f"{H}{LOGIN}\n{GSK}".encode(), {}),
    ("BRCS-006", "final newline", f"{H}{LOGIN}\n".encode(), f"{H}{LOGIN}".encode(), {}),
    (
        "BRCS-007",
        "11 commands",
        (H + "\n".join([LOGIN] + [GSK] * 10)).encode(),
        (H + "\n".join([LOGIN] + [GSK] * 9)).encode(),
        {},
    ),
    (
        "BRCS-010",
        "action later",
        f"{H}hostname=x&action=push_and_start_local".encode(),
        f"{H}action=push_and_start_local&hostname=x".encode(),
        {},
    ),
    ("BRCS-010", "Action", f"{H}Action=login".encode(), f"{H}action=login".encode(), {}),
    ("BRCS-011", "trailing &", f"{H}{GSK}&".encode(), f"{H}{GSK}".encode(), {}),
    (
        "BRCS-011",
        "no =",
        f"{H}{GSK}&public_portal_hostname".encode(),
        f"{H}{GSK}&public_portal_hostname=".encode(),
        {},
    ),
    ("BRCS-012", "raw space", custom("b c"), custom("b%20c"), {}),
    ("BRCS-012", "raw =", custom("b=c"), custom("b%3Dc"), {}),
    ("BRCS-012", "raw non-ASCII", custom("é"), custom("%C3%A9"), {}),
    ("BRCS-012", "lone CR", custom("b\rc"), custom("b%0Dc"), {}),
    ("BRCS-013", "short escape", custom("100%"), custom("100%25"), {}),
    ("BRCS-013", "non-hex escape", custom("%G1"), custom("%251"), {}),
    ("BRCS-014", "escaped non-UTF-8", custom("%FF"), custom("%C3%BF"), {}),
    ("BRCS-014", "raw non-UTF-8", custom("") + b"\xff", custom("%C3%BF"), {}),
    ("BRCS-015", "lower-case hex", custom("%c3%a9"), custom("%C3%A9"), {}),
    ("BRCS-016", "escaped unreserved", custom("%41"), custom("A"), {}),
    ("BRCS-017", "raw plus", custom("Example+Co"), custom("Example%20Co"), {}),
    ("BRCS-020", "unknown action", f"{H}action=fly".encode(), f"{H}{LOGIN}".encode(), {}),
    ("BRCS-020", "empty action", f"{H}action=".encode(), f"{H}{LOGIN}".encode(), {}),
    (
        "BRCS-021",
        "old action on 21.3",
        f"{H}action=start_pinned_client_session&search_string=x".encode(),
        f"{H}action=start_jump_item_session&search_string=x".encode(),
        {},
    ),
    (
        "BRCS-021",
        "new action on 1.7.0",
        f"{H}action=push_and_start_remote&target=x".encode(),
        f"{H}action=push_and_start_local&hostname=x".encode(),
        {"api_version": "1.7.0"},
    ),
    (
        "BRCS-021",
        "before 1.13.0",
        f"{H}action=start_rdp_session&target=x".encode(),
        f"{H}action=start_pinned_client_session&search_string=x".encode(),
        {"api_version": "1.12.0"},
    ),
    (
        "BRCS-022",
        "unknown parameter",
        f"{H}{GSK}&hostname=x".encode(),
        f"{H}{GSK}&public_portal_hostname=x".encode(),
        {},
    ),
    (
        "BRCS-022",
        "no parameters",
        f"{H}action=delete_script_file&x=1".encode(),
        f"{H}action=delete_script_file".encode(),
        {},
    ),
    ("BRCS-022", "empty custom field", f"{H}{GSK}&session.custom.=1".encode(), custom("1"), {}),
    (
        "BRCS-023",
        "missing required",
        f"{H}action=push_and_start_local".encode(),
        f"{H}action=push_and_start_local&hostname=h".encode(),
        {},
    ),
    (
        "BRCS-023",
        "empty required",
        f"{H}action=start_vpro_session&target=t&jumpoint=".encode(),
        f"{H}action=start_vpro_session&target=t&jumpoint=j".encode(),
        {},
    ),
    ("BRCS-024", "duplicate key", custom("1&session.custom.a=2"), custom("1&session.custom.b=2"), {}),
    (
        "BRCS-025",
        "quality",
        f"{H}action=start_rdp_session&target=t&quality=best".encode(),
        f"{H}action=start_rdp_session&target=t&quality=performance_quality".encode(),
        {},
    ),
    (
        "BRCS-025",
        "case",
        f"{H}action=start_rdp_session&target=t&console=YES".encode(),
        f"{H}action=start_rdp_session&target=t&console=yes".encode(),
        {},
    ),
    (
        "BRCS-025",
        "display_size",
        f"{H}action=start_rdp_session&target=t&display_size=big".encode(),
        f"{H}action=start_rdp_session&target=t&display_size=all_displays".encode(),
        {},
    ),
    (
        "BRCS-025",
        "jump.method",
        f"{H}action=start_jump_item_session&client.tag=a&jump.method=ssh".encode(),
        f"{H}action=start_jump_item_session&client.tag=a&jump.method=shelljump".encode(),
        {},
    ),
    (
        "BRCS-026",
        "port not integer",
        f"{H}action=start_vnc_session&target=t&port=vnc".encode(),
        f"{H}action=start_vnc_session&target=t&port=5900".encode(),
        {},
    ),
    (
        "BRCS-026",
        "port out of range",
        f"{H}action=start_shell_jump_session&target=t&port=65536".encode(),
        f"{H}action=start_shell_jump_session&target=t&port=65535".encode(),
        {},
    ),
    (
        "BRCS-027",
        "hostname too long",
        f"{H}action=push_and_start_local&hostname={'a' * 256}".encode(),
        f"{H}action=push_and_start_local&hostname={'a' * 255}".encode(),
        {},
    ),
    ("BRCS-027", "custom field too long", custom("b" * 1025), custom("b" * 1024), {}),
    ("BRCS-028", "custom total", custom_fields(11), custom_fields(10), {}),
    ("BRCS-029", "username alone", f"{H}{LOGIN}&username=u".encode(), f"{H}{LOGIN}".encode(), {}),
    (
        "BRCS-029",
        "no mechanism",
        f"{H}{LOGIN}&username=u&password=p".encode(),
        f"{H}{LOGIN}&mechanism=username_password&username=u&password=p".encode(),
        {},
    ),
    (
        "BRCS-030",
        "no criteria",
        f"{H}action=start_jump_item_session&jump.method=pinned".encode(),
        f"{H}action=start_jump_item_session&jump.method=pinned&client.hostname=h".encode(),
        {},
    ),
    (
        "BRCS-030",
        "empty criterion",
        f"{H}action=start_jump_item_session&client.hostname=".encode(),
        f"{H}action=start_jump_item_session&search_string=h".encode(),
        {},
    ),
    ("BRCS-031", "login second", f"{H}{GSK}\n{LOGIN}".encode(), f"{H}{LOGIN}\n{GSK}".encode(), {}),
    (
        "BRCS-040",
        "misspelt extension",
        f"{H}{LOGIN}".encode(),
        f"{H}{LOGIN}".encode(),
        {"filename": "my_script_file.brsc-beta60"},
    ),
    ("BRCS-090", "too large", custom("") + b"x" * brcs.MAX_BYTES, custom("x"), {}),
]
GOOD_KW = {"BRCS-040": {"filename": "my_script_file.brcs-beta60"}}  # where the passing case differs in kwargs


@pytest.mark.parametrize(
    ("rule", "bad", "good", "kw"), [c[0:1] + c[2:] for c in CASES], ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_rule_fails_alone_and_passes(rule: str, bad: bytes, good: bytes, kw: dict) -> None:
    assert rules(bad, **kw) == [rule]
    assert lint(good, **GOOD_KW.get(rule, kw)) == []


@pytest.mark.parametrize(
    ("rule", "bad", "good"),
    [(c[0], c[2], c[3]) for c in CASES if not c[4]],
    ids=[f"{c[0]}-{c[1]}" for c in CASES if not c[4]],
)
def test_parse_raises_exactly_on_syntax_rules(rule: str, bad: bytes, good: bytes) -> None:
    parse(good)
    if brcs.RULE_BY_ID[rule].syntax:
        with pytest.raises(BrcsSyntaxError) as e:
            parse(bad)
        assert e.value.rule == rule
        assert isinstance(e.value, ValueError)
    else:
        parse(bad)  # a semantic or SHOULD rule: grammatical, so parse accepts it


def test_issue_limit() -> None:
    # BRCS-091 cannot come alone: it follows the MAX_ISSUES issues that triggered it.
    bad = (H + LOGIN + "&x" * (brcs.MAX_ISSUES + 5)).encode()
    found = rules(bad)
    assert found == ["BRCS-011"] * brcs.MAX_ISSUES + ["BRCS-091"]
    assert "BRCS-091" not in rules((H + LOGIN + "&x" * 5).encode())


def test_every_rule_has_a_case_and_the_table_is_sound() -> None:
    covered = {c[0] for c in CASES} | {"BRCS-091"}
    assert covered == {r.id for r in brcs.RULES}
    assert len(brcs.RULE_BY_ID) == len(brcs.RULES)
    for r in brcs.RULES:
        assert r.id.startswith("BRCS-") and len(r.id) == 8 and r.id[5:].isdigit()
        assert r.level in ("MUST", "SHOULD") and r.basis in ("documented", "inferred")
        assert r.wording and r.section and "\n" not in r.wording


def test_lint_reports_every_problem_in_file_order() -> None:
    data = (
        b"BRCS1.0\naction=fly\n\naction=push_and_start_local&hostname=a b&hostname=c\n"
        b"action=start_rdp_session&target=t&quality=best\n"
    )
    assert [(i.line, i.rule) for i in lint(data)] == [
        (2, "BRCS-020"),
        (3, "BRCS-005"),
        (4, "BRCS-012"),
        (4, "BRCS-024"),
        (5, "BRCS-025"),
        (5, "BRCS-006"),
    ]


def test_issue_messages_are_clear() -> None:
    [issue] = lint(custom("b c"))
    assert issue == LintIssue(2, "BRCS-012", issue.message)
    assert "%20" in issue.message and "column" in issue.message
    assert str(issue).startswith("line 2: BRCS-012 ")
    [typo] = lint(f"{H}action=generate_sesion_key".encode())
    assert "generate_session_key" in typo.message
    [old] = lint(f"{H}action=start_pinned_client_session&search_string=x".encode())
    assert "1.7.0" in old.message


# ---------------------------------------------------------------------------------------------------------
# parse and serialize


def test_parse_decodes_and_keeps_order() -> None:
    s = parse(b"BRCS1.0\r\naction=start_rdp_session&target=a%20b%C3%A9&jumpoint=J!&username=%26%3D%25")
    assert s == Script(
        "1.0",
        (Command("start_rdp_session", (("target", "a bé"), ("jumpoint", "J!"), ("username", "&=%"))),),
        "\r\n",
    )


def test_parse_accepts_grammatical_oddities_and_serialize_canonicalises() -> None:
    data = b"BRCS1.0\naction=login\r\naction=generate_session_key&session.custom.a=%c3%a9+%41!\n"
    s = parse(data)
    assert s.newline == "\n"  # the header's style
    assert s.commands[1].params == (("session.custom.a", "é+A!"),)
    assert serialize(s) == b"BRCS1.0\naction=login\n" + custom("%C3%A9%2BA%21")[len(H) :]


def test_syntax_error_has_line_rule_message() -> None:
    with pytest.raises(BrcsSyntaxError) as e:
        parse("BRCS1.0\naction=login\naction=x&a b")
    assert (e.value.line, e.value.rule) == (3, "BRCS-011")
    assert "line 3" in str(e.value) and "'a b'" in e.value.message
    with pytest.raises(BrcsSyntaxError) as e:
        parse(b"x" * (brcs.MAX_BYTES + 1))
    assert (e.value.line, e.value.rule) == (None, "BRCS-090")


@pytest.mark.parametrize(
    "script",
    [
        Script("10", (Command("login"),)),
        Script("1.0", (Command("login"),), newline="\r"),
        Script("1.0", ()),
        Script("1.0", (Command("login"),) * 11),
        Script("1.0", (Command("login", (("k", "\ud800"),)),)),
    ],
)
def test_serialize_rejects_invalid_scripts(script: Script) -> None:
    with pytest.raises(ValueError):
        serialize(script)


def test_encode_is_rfc3986_canonical() -> None:
    assert brcs.encode("aZ09-._~ &=%+/é😀") == "aZ09-._~%20%26%3D%25%2B%2F%C3%A9%F0%9F%98%80"


# ---------------------------------------------------------------------------------------------------------
# Properties

SPECIAL = " &=%+é€😀\r\n\t#?/:@!~._-aZ0"
texts = st.one_of(st.text(max_size=20), st.text(alphabet=SPECIAL, max_size=20))
commands = st.builds(Command, texts, st.lists(st.tuples(texts, texts), max_size=5).map(tuple))
VERSIONS = st.from_regex(r"[0-9]\.[0-9]", fullmatch=True)
scripts = st.builds(
    Script,
    VERSIONS,
    st.lists(commands, min_size=1, max_size=cat.MAX_COMMANDS).map(tuple),
    st.sampled_from(["\n", "\r\n"]),
)


@given(scripts)
@settings(deadline=None)
def test_parse_serialize_round_trip(s: Script) -> None:
    assert parse(serialize(s)) == s


def _canonical_string() -> st.SearchStrategy[str]:
    # urllib's quote with safe="" leaves exactly the RFC 3986 unreserved set: an independent oracle.
    return texts.map(lambda t: urllib.parse.quote(t, safe=""))


@st.composite
def canonical_files(draw: st.DrawFn) -> bytes:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["BRCS" + draw(VERSIONS)]
    for _ in range(draw(st.integers(1, cat.MAX_COMMANDS))):
        pairs = draw(st.lists(st.tuples(_canonical_string(), _canonical_string()), max_size=4))
        lines.append("&".join([f"action={draw(_canonical_string())}", *(f"{k}={v}" for k, v in pairs)]))
    return newline.join(lines).encode("ascii")


@given(canonical_files())
@settings(deadline=None)
def test_canonical_files_round_trip(data: bytes) -> None:
    assert serialize(parse(data)) == data
    assert not [i for i in lint(data) if brcs.RULE_BY_ID[i.rule].syntax]


def _param_value(p: cat.Param) -> st.SearchStrategy[str]:
    if p.kind == "enum":
        return st.sampled_from(p.values)
    if p.kind == "integer":
        return st.integers(p.minimum or 0, p.maximum or 10**6).map(str)
    if p.kind == "display_size":
        return st.one_of(
            st.sampled_from(p.values), st.builds("{}x{}".format, st.integers(1, 9999), st.integers(1, 9999))
        )
    return st.text(min_size=1 if p.required else 0, max_size=min(p.max_length or 40, 40))


@st.composite
def valid_commands(draw: st.DrawFn, action: cat.Action) -> Command:
    """A command that the catalogue says is right: required parameters, documented values, groups met."""
    params: dict[str, str] = {}
    for p in action.params:
        if p.family:
            field_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
            names = draw(st.lists(field_names, max_size=3, unique=True))
            params.update({p.name + n: draw(_param_value(p)) for n in names})
        elif p.required or draw(st.booleans()):
            params[p.name] = draw(_param_value(p))
    for g in action.groups:
        if g.kind == "all_or_none" and any(params.get(n) for n in g.names):
            for n in g.names:
                params[n] = params.get(n) or draw(_param_value(action.param_for(n)).filter(bool))
        elif g.kind == "at_least_one" and not any(params.get(n) for n in g.names):
            params[draw(st.sampled_from(g.names))] = "x"
    order = draw(st.permutations(list(params.items())))
    return Command(action.name, tuple(order))


@st.composite
def valid_scripts(draw: st.DrawFn, api_version: str) -> Script:
    actions = [a for n, a in sorted(cat.actions_for(api_version).items()) if n != "login"]
    cmds = [draw(valid_commands(a)) for a in draw(st.lists(st.sampled_from(actions), min_size=1, max_size=9))]
    if "login" in cat.actions_for(api_version) and draw(st.booleans()):
        cmds.insert(0, draw(valid_commands(cat.actions_for(api_version)["login"])))
    return Script("1.0", tuple(cmds), draw(st.sampled_from(["\n", "\r\n"])))


@pytest.mark.parametrize("api_version", ["1.21.1", "1.7.0", "1.15.0"])
@given(data=st.data())
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_catalogue_valid_scripts_lint_clean(api_version: str, data: st.DataObject) -> None:
    s = data.draw(valid_scripts(api_version))
    assert lint(serialize(s), api_version=api_version) == []


JUNK = [b"&", b"=", b"%", b"\n", b"\r\n", b" ", b"+", b"%4", b"\xff", b"action="]


@st.composite
def near_valid_files(draw: st.DrawFn) -> bytes:
    """A valid file with a few bytes inserted, deleted or replaced: reaches the deeper checks."""
    data = bytearray(serialize(draw(valid_scripts("1.21.1"))))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        junk = draw(st.binary(max_size=3) | st.sampled_from(JUNK))
        if draw(st.booleans()):
            data[at:at] = junk
        else:
            data[at : at + len(junk)] = junk
    return bytes(data)


@given(st.one_of(st.binary(max_size=300), near_valid_files(), st.binary(max_size=200).map(lambda b: HB + b)))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_lint_never_raises_and_agrees_with_parse(data: bytes) -> None:
    issues = lint(data)
    assert all(isinstance(i, LintIssue) and i.rule in brcs.RULE_BY_ID for i in issues)
    syntax = [i for i in issues if brcs.RULE_BY_ID[i.rule].syntax]
    try:
        parse(data)
    except BrcsSyntaxError as e:
        assert syntax and e.rule == syntax[0].rule and e.line == syntax[0].line
    else:
        assert not syntax


# ---------------------------------------------------------------------------------------------------------
# File names, API versions, the catalogue


@pytest.mark.parametrize(
    ("name", "site", "ok"),
    [
        ("my_script_file.brcs-beta60", None, True),
        ("C:\\Users\\rep\\Downloads\\x.brcs-beta60", None, True),
        ("/tmp/x.BRCS-support", "support", True),
        ("x.brcs-beta60", "Beta60", True),
        ("x.brcs-beta60", "other", False),
        ("my_script_file.brsc-beta60", None, False),  # the guide's own example misspells it
        ("x.brcs", None, False),
        ("x.brcs-", None, False),
        (".brcs-beta60", None, False),
        ("x.brcs-beta 60", None, False),
    ],
)
def test_filename_ok(name: str, site: str | None, ok: bool) -> None:
    assert filename_ok(name, site) is ok


def test_api_version_selection() -> None:
    assert set(cat.actions_for("1.21.1")) == set(VALID_21_3)
    assert set(cat.actions_for("1.22.0")) == set(VALID_21_3)
    assert set(cat.actions_for("1.7.0")) == set(VALID_12_1)
    between = cat.actions_for("1.12.0")
    assert "start_pinned_client_session" in between and "login" in between
    assert "start_rdp_session" not in between and "start_rdp_session" in cat.actions_for("1.13.0")
    assert cat.actions_for("1.5.0") == {}  # "introduced in API version 1.6.0"
    with pytest.raises(ValueError):
        cat.actions_for("latest")
    with pytest.raises(ValueError):
        lint(b"BRCS1.0\naction=login", api_version="x")


def test_catalogue_facts_from_the_guide() -> None:
    a = cat.ACTIONS["1.21.1"]
    assert {n for n, x in a.items() if x.web_console} == {"generate_session_key", "start_jump_item_session"}
    assert {n for n, x in a.items() if x.auto_added} == {"login", "delete_script_file"}
    assert a["delete_script_file"].params == ()
    assert [p.name for p in a["start_vpro_session"].required] == ["target", "jumpoint"]
    assert a["start_rdp_session"].param_for("quality").default == "performance"
    assert a["start_vnc_session"].param_for("port").default == "5900"
    assert a["start_shell_jump_session"].param_for("port").default == "22"
    assert a["push_and_start_local"].param_for("session.custom.ticket").family
    assert a["push_and_start_local"].param_for("session.custom.") is None
    assert cat.ACTIONS["1.7.0"]["push_and_start_local"].param_for("session.custom.x") is None
    for actions in cat.ACTIONS.values():
        for x in actions.values():
            assert x.section and x.doc and x.guide in cat.GUIDES
            for g in x.groups:
                assert all(x.param_for(n) for n in g.names)
