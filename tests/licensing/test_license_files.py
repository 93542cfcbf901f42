"""The license file itself: only what our key signed verifies; anything else is refused with a stable code and a
sentence, never a crash (Hypothesis throws malformed, truncated and tampered files at it)."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from stint.licensing.files import LICENSE, LicenseRefused, armour, canonical_json, dearmour, license_verify
from stint.licensing.keys import PINNED_KEYS, SigningKey, key_id_of, public_key_b64, public_key_load, public_key_raw
from stint.licensing.models import ServerIdentity
from tests.licensing.conftest import make_license, trust

REFUSAL_CODES = {
    "license_empty",
    "license_not_found",
    "license_truncated",
    "license_malformed",
    "license_too_large",
    "license_unknown_key",
    "license_signature_invalid",
    "license_wrong_product",
    "license_is_request",
}
IDENTITY = ServerIdentity(
    server_id=uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
    public_key=public_key_b64(Ed25519PrivateKey.generate().public_key()),
)


@pytest.fixture
def key(tmp_path: Path, settings: Any) -> SigningKey:
    return trust(tmp_path, settings)


def _envelope(text: str) -> dict[str, Any]:
    return json.loads(dearmour(text, LICENSE))


def _rearmour(envelope: dict[str, Any]) -> str:
    return armour(LICENSE, envelope, note=[])


def test_a_license_signed_with_a_trusted_key_verifies(key: SigningKey) -> None:
    license = license_verify(make_license(key, IDENTITY, seats=25, edition="enterprise"))
    assert (license.seats, license.edition, license.server_id) == (25, "enterprise", str(IDENTITY.server_id))
    assert license.key_id == key.key_id


def test_the_payload_is_canonical_json_signed_with_ed25519(key: SigningKey) -> None:
    raw = dearmour(make_license(key, IDENTITY), LICENSE)
    assert b'": ' not in raw and b'", "' not in raw  # no whitespace between tokens
    envelope = json.loads(raw)
    assert raw == canonical_json(envelope)
    assert list(envelope["payload"]) == sorted(envelope["payload"])
    message = canonical_json(envelope["payload"])
    public = key.private_key.public_key()
    public.verify(base64.b64decode(envelope["signature"]), message)  # raises if not


def test_it_refuses_a_license_whose_payload_was_changed(key: SigningKey) -> None:
    envelope = _envelope(make_license(key, IDENTITY, seats=5))
    envelope["payload"]["seats"] = 500
    with pytest.raises(LicenseRefused) as refused:
        license_verify(_rearmour(envelope))
    assert refused.value.code == "license_signature_invalid"
    assert "changed after Stint issued it" in refused.value.detail


def test_it_refuses_a_tampered_signature(key: SigningKey) -> None:
    envelope = _envelope(make_license(key, IDENTITY))
    signature = bytearray(base64.b64decode(envelope["signature"]))
    signature[10] ^= 0x01
    envelope["signature"] = base64.b64encode(bytes(signature)).decode()
    with pytest.raises(LicenseRefused) as refused:
        license_verify(_rearmour(envelope))
    assert refused.value.code == "license_signature_invalid"


def test_it_refuses_a_license_signed_with_a_key_it_does_not_know(key: SigningKey) -> None:
    stranger = Ed25519PrivateKey.generate()
    stranger_key = SigningKey(key_id_of(public_key_raw(stranger.public_key())), stranger)
    with pytest.raises(LicenseRefused) as refused:
        license_verify(make_license(stranger_key, IDENTITY))
    assert refused.value.code == "license_unknown_key"
    assert stranger_key.key_id in refused.value.detail


def test_a_license_naming_a_trusted_key_id_but_signed_by_another_key_is_refused(key: SigningKey) -> None:
    stranger = Ed25519PrivateKey.generate()
    impostor = SigningKey(key.key_id, stranger)  # claims our key id
    with pytest.raises(LicenseRefused) as refused:
        license_verify(make_license(impostor, IDENTITY))
    assert refused.value.code == "license_signature_invalid"


def test_an_extra_keys_line_whose_id_does_not_match_its_key_is_not_trusted(tmp_path: Path, settings: Any) -> None:
    stranger = Ed25519PrivateKey.generate()
    extra = tmp_path / "extra"
    extra.write_text(f"ed25519-0000000000000000 {public_key_b64(stranger.public_key())}\n")
    settings.STINT_LICENSE_EXTRA_KEYS = str(extra)
    impostor = SigningKey("ed25519-0000000000000000", stranger)
    with pytest.raises(LicenseRefused) as refused:
        license_verify(make_license(impostor, IDENTITY))
    assert refused.value.code == "license_unknown_key"


def test_the_pinned_production_keys_are_named_by_their_own_key_ids() -> None:
    assert PINNED_KEYS
    for key_id, value in PINNED_KEYS.items():
        public = public_key_load(value)
        assert public is not None
        assert key_id_of(public_key_raw(public)) == key_id


def test_without_extra_keys_a_test_key_is_not_trusted(key: SigningKey, settings: Any) -> None:
    text = make_license(key, IDENTITY)
    settings.STINT_LICENSE_EXTRA_KEYS = ""
    with pytest.raises(LicenseRefused) as refused:
        license_verify(text)
    assert refused.value.code == "license_unknown_key"


def test_a_request_file_given_as_a_license_is_named_for_what_it_is() -> None:
    with pytest.raises(LicenseRefused) as refused:
        license_verify("-----BEGIN STINT LICENSE REQUEST-----\nabc\n-----END STINT LICENSE REQUEST-----\n")
    assert refused.value.code == "license_is_request"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "license_empty"),
        ("   \n", "license_empty"),
        ("hello", "license_not_found"),
        ("-----BEGIN STINT LICENSE-----\nAAAA\n", "license_truncated"),
        ("-----BEGIN STINT LICENSE-----\n-----END STINT LICENSE-----", "license_truncated"),
        ("-----BEGIN STINT LICENSE-----\n@@@@\n-----END STINT LICENSE-----", "license_malformed"),
        ("-----BEGIN STINT LICENSE-----\nW10=\n-----END STINT LICENSE-----", "license_malformed"),
        ("x" * 70_000, "license_too_large"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(LicenseRefused) as refused:
        license_verify(text)
    assert refused.value.code == code
    assert refused.value.detail.endswith(".")


def test_a_license_with_a_field_of_the_wrong_type_is_refused_by_name(key: SigningKey) -> None:
    text = make_license(key, IDENTITY, seats="many")
    with pytest.raises(LicenseRefused) as refused:
        license_verify(text)
    assert refused.value.code == "license_malformed"
    assert "'seats'" in refused.value.detail


# --- Hypothesis: never a crash, always a clear refusal --------------------------------------------------------------

FUZZ = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _assert_refused_or_valid(text: str) -> None:
    try:
        license_verify(text)
    except LicenseRefused as refusal:
        assert refusal.code in REFUSAL_CODES, refusal.code
        assert refusal.detail.strip()


@FUZZ
@given(st.text(max_size=3000))
def test_any_text_is_refused_with_a_known_code(key: SigningKey, text: str) -> None:
    _assert_refused_or_valid(text)


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_between_the_markers_are_refused_with_a_known_code(key: SigningKey, junk: bytes) -> None:
    body = base64.b64encode(junk).decode()
    text = f"-----BEGIN STINT LICENSE-----\n{body}\n-----END STINT LICENSE-----\n"
    with pytest.raises(LicenseRefused) as refused:
        license_verify(text)
    assert refused.value.code in REFUSAL_CODES


@FUZZ
@given(st.data())
def test_a_truncated_license_is_always_refused(key: SigningKey, data: st.DataObject) -> None:
    text = make_license(key, IDENTITY)
    cut = data.draw(st.integers(min_value=0, max_value=len(text.rstrip()) - 1))
    with pytest.raises(LicenseRefused) as refused:
        license_verify(text[:cut])
    assert refused.value.code in REFUSAL_CODES


@FUZZ
@given(st.data())
def test_a_license_with_any_character_of_its_body_changed_is_refused(key: SigningKey, data: st.DataObject) -> None:
    text = make_license(key, IDENTITY)
    begin = text.index("-----BEGIN STINT LICENSE-----") + len("-----BEGIN STINT LICENSE-----\n")
    end = text.index("-----END STINT LICENSE-----")
    position = data.draw(st.integers(min_value=begin, max_value=end - 2))
    if text[position] == "\n":
        return
    replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!"))
    if replacement == text[position]:
        return
    tampered = text[:position] + replacement + text[position + 1 :]
    try:
        license = license_verify(tampered)
    except LicenseRefused as refused:
        assert refused.code in REFUSAL_CODES
    else:
        # Only a change base64 decodes to the same bytes (the padding bits of the last character) can pass.
        assert license.payload == _envelope(text)["payload"]


@FUZZ
@given(
    st.dictionaries(
        st.text(max_size=10),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: st.lists(inner, max_size=3),
            max_leaves=5,
        ),
    )
)
def test_any_signed_json_payload_is_refused_or_read_never_crashing(key: SigningKey, payload: dict[str, Any]) -> None:
    payload = {**payload, "key_id": key.key_id}
    signature = base64.b64encode(key.sign(canonical_json(payload))).decode()
    text = armour(LICENSE, {"payload": payload, "signature": signature}, note=[])
    _assert_refused_or_valid(text)
