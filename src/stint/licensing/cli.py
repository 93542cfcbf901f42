"""`stint license ...`: keygen, request, install, status (on-prem) and issue (cloud). See docs/operator/onprem.md."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def _django() -> None:
    """Set Django up and bring the database schema up to date (as `stint serve` does), quietly."""
    from stint.cli import _django as setup

    setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8", errors="replace")


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"Written to {out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _onprem_only() -> int | None:
    from django.conf import settings

    if settings.STINT_MODE != "onprem":
        return _fail("This command is for on-prem servers (STINT_MODE=onprem).")
    return None


def cmd_keygen(args: argparse.Namespace) -> int:
    from stint.licensing.keys import keygen

    out = Path(args.out)
    try:
        key_id, public = keygen(out)
    except FileExistsError:
        return _fail(f"{out} already exists; a signing key is never overwritten. Choose another path.")
    except OSError as exc:
        return _fail(f"Cannot write {out}: {exc.strerror}.")
    print(f"Wrote the Ed25519 private key to {out} (mode 0600). Keep it secret and backed up, outside the database.")
    print("Point STINT_LICENSE_SIGNING_KEY at it on the cloud; pin the public key in stint/licensing/keys.py,")
    print("or list the line below in the file named by STINT_LICENSE_EXTRA_KEYS on the servers that should trust it.")
    print(f"{key_id} {public}")
    return 0


def cmd_request(args: argparse.Namespace) -> int:
    _django()
    if (refused := _onprem_only()) is not None:
        return refused
    from stint.licensing.server import request_build

    _write(request_build(), args.out)
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    _django()
    if (refused := _onprem_only()) is not None:
        return refused
    from stint.core.errors import StintError
    from stint.licensing.models import LicenseSource
    from stint.licensing.onprem import license_install

    try:
        text = _read(args.file)
    except OSError as exc:
        return _fail(f"Cannot read {args.file}: {exc.strerror}.")
    try:
        installed = license_install(text=text, source=LicenseSource.CLI)
    except StintError as exc:
        return _fail(f"Refused ({exc.code}): {exc.detail}")
    print(
        f"Installed license {installed.license_id} serial {installed.serial}: {installed.edition}, "
        f"{installed.seats} named users, paid up to {installed.expires_at:%Y-%m-%d}."
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    _django()
    if (refused := _onprem_only()) is not None:
        return refused
    from stint.licensing.overview import license_overview

    overview = license_overview()
    license = overview.license
    print(f"Server id:    {overview.identity.server_id}")
    print(f"Fingerprint:  {overview.fingerprint}")
    detail = f" ({overview.status.detail})" if overview.status.detail else ""
    print(f"Status:       {overview.status.status}{detail}")
    print(f"Runs as:      {overview.edition}")
    print(f"Named users:  {overview.active_users}" + (f" of {license.seats}" if license else ""))
    if license is not None:
        print(f"Licensee:     {license.licensee_company} ({license.licensee_email})")
        print(f"Paid up to:   {license.expires_at:%Y-%m-%d %H:%M} UTC, grace until {license.grace_ends_at:%Y-%m-%d}")
        print(f"License:      {license.license_id} serial {license.serial}")
    if overview.online:
        refreshed = overview.identity.last_refresh_at
        print(f"Online:       refreshed {refreshed:%Y-%m-%d %H:%M} UTC" if refreshed else "Online:       not yet")
        if overview.identity.last_refresh_error:
            print(f"Last refresh failed: {overview.identity.last_refresh_error}")
    return 0 if overview.status.status == "valid" else 3


def cmd_issue(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    from stint.accounts.models import Account
    from stint.core.errors import StintError
    from stint.licensing.issuing import license_issue
    from stint.licensing.models import IssuedLicense

    if settings.STINT_MODE != "cloud":
        return _fail("Licenses are issued by Stint's cloud (STINT_MODE=cloud).")
    account = Account.objects.filter(pk=args.account).first()
    if account is None:
        return _fail(f"There is no account {args.account}.")
    try:
        text = _read(args.request)
    except OSError as exc:
        return _fail(f"Cannot read {args.request}: {exc.strerror}.")
    if args.out and args.out != "-":
        # Checked before anything is bought or issued: a license that cannot be written must not be charged for.
        target = Path(args.out)
        if not target.parent.is_dir() or (target.exists() and not os.access(target, os.W_OK)):
            return _fail(f"Cannot write {args.out}: choose a file in an existing folder you may write to.")
        if not os.access(target.parent, os.W_OK):
            return _fail(f"Cannot write into {target.parent}: choose a folder you may write to.")
    try:
        issued = license_issue(
            account=account, request_text=text, actor=None, via=IssuedLicense.Via.CLI, seats=args.seats
        )
    except StintError as exc:
        return _fail(f"Refused ({exc.code}): {exc.detail}")
    try:
        _write(issued.text, args.out)
    except OSError as exc:  # e.g. the disk filled up meanwhile: the license is kept and can be downloaded again
        print(issued.text)
        return _fail(f"Cannot write {args.out} ({exc.strerror}); the license is printed above instead.")
    print(
        f"Issued serial {issued.serial} for server {issued.server.server_id}: {issued.edition}, {issued.seats} "
        f"named users, paid up to {issued.expires_at:%Y-%m-%d}.",
        file=sys.stderr,
    )
    return 0


def license_parser_add(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser("license", help="on-prem license files (keygen, request, ...)")
    commands = parser.add_subparsers(dest="license_command", required=True)

    keygen = commands.add_parser("keygen", help="create an Ed25519 signing key (cloud operators)")
    keygen.add_argument("--out", required=True, help="where to write the private key (PEM); never overwritten")
    keygen.set_defaults(func=cmd_keygen)

    request = commands.add_parser("request", help="print this on-prem server's license request file")
    request.add_argument("--out", help="write it to this file instead")
    request.set_defaults(func=cmd_request)

    install = commands.add_parser("install", help="install a license file on this on-prem server")
    install.add_argument("file", help="the license file ('-' reads standard input)")
    install.set_defaults(func=cmd_install)

    status = commands.add_parser("status", help="show this on-prem server's license (exit 0 only when valid)")
    status.set_defaults(func=cmd_status)

    issue = commands.add_parser("issue", help="issue a license for a request file (cloud)")
    issue.add_argument("--request", required=True, help="the server's request file ('-' reads standard input)")
    issue.add_argument("--account", required=True, type=int, help="the account id whose subscription pays")
    issue.add_argument("--seats", type=int, help="buy seats up to this number first (charged)")
    issue.add_argument("--out", help="write the license to this file instead of standard output")
    issue.set_defaults(func=cmd_issue)
