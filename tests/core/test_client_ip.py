from typing import Any

from django.test import RequestFactory

from stint.core.http import client_ip


def test_without_a_proxy_it_is_the_connecting_address(settings: Any) -> None:
    settings.STINT_BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.9"


def test_behind_our_proxy_it_is_the_hop_the_proxy_appended(settings: Any) -> None:
    settings.STINT_BEHIND_PROXY = True
    # The client can forge the first entries, never the last one, which our proxy adds.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert client_ip(request) == "198.51.100.7"
