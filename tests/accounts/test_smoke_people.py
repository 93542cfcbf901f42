from tests.conftest import Api, Mailbox, Person, deliver


def test_alice_bob_and_charlie_see_their_own_accounts(
    api: Api, alice: Person, bob: Person, charlie: Person, mailbox: Mailbox
) -> None:
    assert api.as_(alice).get("/me").json()["account"]["id"] == alice.account.pk
    assert api.as_(bob).get("/me").json()["role"] == "member"
    assert api.as_(charlie).get(f"/users/{alice.id}").status_code == 404
    deliver()
    assert "Welcome to Stint: Account A is ready" in mailbox.subjects("alice@example.com")
