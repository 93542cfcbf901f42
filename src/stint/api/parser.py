"""JSON request bodies: an object, without text that no database column can store."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from stint.core.errors import Malformed

# UTF-8 bytes of a surrogate (U+D800 to U+DFFF), which json.loads lets through from a body's raw bytes.
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")


def _unstorable(text: str) -> bool:
    # PostgreSQL text cannot hold NUL; an unpaired surrogate (valid JSON: "\ud800") cannot be encoded as UTF-8.
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return "\x00" in text


def _may_hold_unstorable(body: bytes) -> bool:
    """False when no string of this body can hold a NUL or a surrogate, so the walk through every value (several
    ms for a batch of 500 records) can be skipped. Without NUL bytes json.loads reads the body as UTF-8; then a
    NUL or a surrogate can only come from a \\u escape or from a surrogate's own bytes."""
    return b"\x00" in body or b"\\u" in body or _ENCODED_SURROGATE.search(body) is not None


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        body = request.body
        data = json.loads(body)
        # Every body in API.md is an object. Ninja would read `[]` or `42` as an object with no fields, which an
        # all-optional PATCH schema accepts as "change nothing".
        if not isinstance(data, dict):
            raise Malformed("The request body must be a JSON object.", "invalid_request")
        if not _may_hold_unstorable(body):
            return data
        pending = [data]
        while pending:  # a loop, not recursion: deeply nested bodies must not exhaust the stack
            value = pending.pop()
            if isinstance(value, dict):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
            elif isinstance(value, str) and _unstorable(value):
                raise Malformed(
                    "Text in the request contains a NUL character or an unpaired surrogate.", "invalid_text"
                )
        return data
