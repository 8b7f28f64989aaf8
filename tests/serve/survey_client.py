"""A respondent for the serve tests and the benchmark: walks the survey's pages as a browser
without script would (GET a page, POST its form with the CSRF token, follow the redirect).

Two transports: Flask's test client (:func:`flask_transport`) and a keep-alive HTTP connection
to a real server process (:class:`HTTPTransport`, stdlib only, cookies kept by hand: the session
cookie is ``Secure`` and ``http.cookiejar`` would not send it over plain HTTP to 127.0.0.1).
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode, urlsplit

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RADIO = re.compile(r'<input type="radio" id="[^"]+" name="([a-z][a-z0-9]*)" value="([^"]+)"')


class HTTPTransport:
    """One browser: a keep-alive connection to ``base`` and its cookies."""

    def __init__(self, base: str, timeout: float = 60):
        u = urlsplit(base)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn = None
        self.cookies: dict[str, str] = {}

    def __call__(self, method: str, path: str, data: dict | None = None):
        body = urlencode(data, doseq=True) if data is not None else None
        headers = {"Connection": "keep-alive", "Referer": f"http://{self.host}:{self.port}{path}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (0, 1):  # a keep-alive connection the server closed: open a new one once
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt or method != "GET":
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        return resp.status, resp.getheader("Location"), text

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def flask_transport(client, base_url: str = "https://localhost"):
    """Flask's test client as a transport, over HTTPS (the Referer of the page, as a browser
    sends it: Flask-WTF's CSRF check over HTTPS wants it)."""

    def request(method, path, data=None):
        r = client.open(path, method=method, data=data, base_url=base_url,
                        headers={"Referer": base_url + path})
        return r.status_code, r.headers.get("Location"), r.get_data(as_text=True)
    return request


def follow(request, method, path, data=None, limit=5):
    """Send, then follow 303 redirects; the last (status, path, text)."""
    status, location, text = request(method, path, data)
    while status in (302, 303) and limit:
        path = urlsplit(location).path
        status, location, text = request("GET", path)
        limit -= 1
    return status, path, text


def fill(request, token: str, answers: dict, *, role: str | None = None,
         months: int | None = None, submit: bool = True, link_prefix: str = "/s/",
         pages: list[list[str]] | None = None):
    """Answer the whole survey through ``token``'s link; the last (status, path, text).

    ``answers`` maps item ids to codes (an absent item is skipped). ``role`` is sent on "About
    you" when the page asks for it. With ``submit`` False the last page is saved, not sent.
    With ``pages`` (the item ids of each section page) the pages after the first are posted
    without fetching them first (the session's CSRF token serves every page): the load tests'
    respondents, 7 requests instead of 10.
    """
    status, path, text = follow(request, "GET", link_prefix + token)
    if status != 200 or not path.startswith("/survey/"):
        return status, path, text
    if pages is not None and path == "/survey/0":
        return _post_pages(request, text, answers, role, months, submit, pages)
    while True:
        m = CSRF.search(text)
        data = {"csrf_token": m.group(1)} if m else {}
        names = dict.fromkeys(n for n, _ in RADIO.findall(text))
        last = 'value="submit"' in text
        if path == "/survey/0":
            if role is not None and 'name="role"' in text:
                data["role"] = role
            data["months_in_role"] = "" if months is None else str(months)
        for n in names:
            if n in answers and n != "role":
                data[n] = str(answers[n])
        data["action"] = ("submit" if submit else "save") if last else "next"
        status, path, text = follow(request, "POST", path, data)
        if last or status != 200 or not path.startswith("/survey/"):
            return status, path, text


def _post_pages(request, text, answers, role, months, submit, pages):
    csrf = CSRF.search(text).group(1)
    data = {"csrf_token": csrf, "action": "next", "months_in_role": "" if months is None else
            str(months)}
    if role is not None and 'name="role"' in text:
        data["role"] = role
    status, location, text = request("POST", "/survey/0", data)
    for number, ids in enumerate(pages, start=1):
        if (status, location) != (303, f"/survey/{number}"):
            return status, location, text
        last = number == len(pages)
        data = {"csrf_token": csrf, "action": ("submit" if submit else "save") if last else "next"}
        data.update({i: str(answers[i]) for i in ids if i in answers})
        status, location, text = request("POST", f"/survey/{number}", data)
    return (200, location, text) if status == 303 else (status, location, text)
