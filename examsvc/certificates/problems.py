"""Errors of the public JSON API as RFC 9457 problem details, in the caller's language (zh-CN,
else en by Accept-Language). Pure, and without Flask-Babel, so that the WSGI fast path below
Flask (fast_verify.py) answers in the same words."""

from __future__ import annotations

import json

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

MEDIA_TYPE = "application/problem+json"
LANGUAGES = ("zh-CN", "en")

# slug: (HTTP status, {language: title}, {language: detail})
PROBLEMS: dict[str, tuple[int, dict[str, str], dict[str, str]]] = {
    "too-many-requests": (
        429,
        {"zh-CN": "查询过于频繁", "en": "Too many look-ups"},
        {
            "zh-CN": "每个地址每分钟最多查询 %(limit)d 次，请稍后再试。",
            "en": "At most %(limit)d look-ups per minute from one address; try again shortly.",
        },
    ),
    "body-too-large": (
        413,
        {"zh-CN": "请求过大", "en": "Request too large"},
        {
            "zh-CN": "请求正文须为不超过 %(limit)d 字节的 JSON。",
            "en": "Send a JSON body of at most %(limit)d bytes.",
        },
    ),
    "bad-request": (
        400,
        {"zh-CN": "请求无法识别", "en": "Request not understood"},
        {
            "zh-CN": '请发送 JSON 对象：{"token": …}（令牌、核验网址或二维码内容），'
            '或 {"number": …, "name": …}。',
            "en": 'Send a JSON object: {"token": …} (a token, the verification URL or the QR text), '
            'or {"number": …, "name": …}.',
        },
    ),
    "unstorable-text": (
        400,
        {"zh-CN": "含有无效字符", "en": "Invalid characters"},
        {
            "zh-CN": "token、number 和 name 不得含有 NUL 字符或孤立代理项。",
            "en": "token, number and name may hold no NUL character or lone surrogate.",
        },
    ),
}


def language(accept_language: str | None) -> str:
    """zh-CN unless the caller prefers English (the UI's rule: Chinese first)."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    best = accepted.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best == "en" else "zh-CN"


def problem(slug: str, lang: str, **params: int) -> tuple[bytes, int, dict[str, str]]:
    """(body, status, headers) of one problem."""
    status, titles, details = PROBLEMS[slug]
    body = {
        "type": f"urn:examsvc:problem:{slug}",
        "title": titles[lang],
        "status": status,
        "detail": details[lang] % params,
    }
    headers = {"Content-Type": MEDIA_TYPE, "Content-Language": lang}
    return json.dumps(body, ensure_ascii=False).encode() + b"\n", status, headers
