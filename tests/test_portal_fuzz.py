"""1,000 generated malformed requests: the portal answers each with a 4xx (or a 2xx/3xx where the
request happens to be valid), never a 500, and never leaves a temporary file behind."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SQLITE_ONLY

pytestmark = SQLITE_ONLY

text = st.text(max_size=40)
junk = st.binary(max_size=300)


@st.composite
def requests(draw, token: str, csrf: str):
    tok = draw(st.sampled_from([token, token[:-2], token + "x", "", "%00", "..%2F..", quote(draw(text), safe="")]))
    ident = draw(st.sampled_from(["1", "0", "-1", "99999999999999999999", "x", "%2e%2e"]))
    # Mostly the routes' own methods, so that requests get past routing into the form handling.
    method, path = draw(
        st.sampled_from(
            [
                ("GET", f"/a/{tok}"),
                ("POST", f"/a/{tok}"),
                ("POST", f"/a/{tok}"),
                ("POST", f"/a/{tok}/extension"),
                ("GET", f"/v/{tok}"),
                ("GET", f"/a/{tok}/files/{ident}"),
                ("GET", "/login"),
                ("POST", "/login"),
                ("POST", "/logout"),
                ("GET", "/review"),
                ("GET", f"/review/{ident}"),
                ("POST", f"/review/{ident}"),
                ("POST", f"/review/extensions/{ident}"),
                ("GET", f"/review/files/{ident}"),
                ("GET", "/"),
            ]
        )
    )
    if draw(st.integers(0, 9)) == 0:
        method = draw(st.sampled_from(["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]))
    boundary = draw(st.sampled_from(["b0undary", "", '"quoted"', "x" * 80]))
    content_type = draw(
        st.sampled_from(
            [
                f"multipart/form-data; boundary={boundary}",
                "multipart/form-data",
                "application/x-www-form-urlencoded",
                "application/json",
                "text/plain",
                "",
                "multipart/form-data; boundary=b0undary; charset=latin1",
            ]
        )
    )
    fields = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "csrf",
                    "note",
                    "reference",
                    "document_date",
                    "due",
                    "reason",
                    "decision",
                    "comment",
                    "email",
                    "password",
                    "value.II.3.a.2b",
                    "value.nope",
                    "files",
                    draw(text),
                ]
            ),
            st.one_of(text, st.just(csrf), st.just("2025-13-45"), st.just("1e309")),
            max_size=5,
        )
    )
    if draw(st.booleans()):
        body = b"".join(
            f'--b0undary\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode("utf-8", "replace")
            for k, v in fields.items()
        )
        if draw(st.booleans()):
            filename = draw(st.sampled_from(["a.pdf", "", "../x", "\x00", "é.docx", draw(text)]))
            content = draw(st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04junk", b"<html>", b""])) + draw(junk)
            body += (
                f'--b0undary\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n\r\n'.encode(
                    "utf-8", "replace"
                )
                + content
                + b"\r\n"
            )
        body += draw(st.sampled_from([b"--b0undary--\r\n", b"", b"--b0undary", b"\r\n"]))
    else:
        body = draw(
            st.one_of(junk, st.just("&".join(f"{k}={v}" for k, v in fields.items()).encode("utf-8", "replace")))
        )
    return method, path, content_type, body


def test_no_500_on_malformed_requests(portal):
    aid = portal.assignment()
    token = portal.link(aid).rsplit("/", 1)[1]
    client = portal.client()  # the real server: what a malformed request meets in production
    csrf = portal.csrf(client.get(f"/a/{token}").text)
    sent = []

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(requests(token, csrf))
    def check(request):
        method, path, content_type, body = request
        headers = {"Content-Type": content_type} if content_type else {}
        r = client.request(method, path, content=body, headers=headers)
        sent.append(r.status_code)
        assert r.status_code < 500, (method, path, content_type, body[:200], r.status_code, r.text[:500])

    check()
    assert len(sent) >= 1000, len(sent)
    print("statuses:", sorted(Counter(sent).items()))
    assert len(set(sent)) >= 5  # the requests reached several kinds of answer, not one early refusal
    leftovers = [p for p in portal.evidence_dir_entries() if p.name.startswith(".upload-")]
    assert leftovers == []
