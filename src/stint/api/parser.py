"""JSON request bodies: an object, without text that no database column can store."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from stint.core.errors import Malformed


def _unstorable(text: str) -> bool:
    # PostgreSQL text cannot hold NUL; an unpaired surrogate (valid JSON: "\ud800") cannot be encoded as UTF-8.
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return "\x00" in text


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        # Every body in API.md is an object. Ninja would read `[]` or `42` as an object with no fields, which an
        # all-optional PATCH schema accepts as "change nothing".
        if not isinstance(data, dict):
            raise Malformed("The request body must be a JSON object.", "invalid_request")
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
