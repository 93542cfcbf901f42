"""The `stint` command: serve, worker, demo, manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from typing import Any


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stint.settings")
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, then serve the web app with gunicorn and run the worker beside it, as one process tree."""
    _django()
    _migrate()
    from gunicorn.app.base import BaseApplication

    from stint.wsgi import application

    worker = subprocess.Popen([sys.executable, "-m", "stint.cli", "worker"])

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", args.workers)
            self.cfg.set("threads", args.threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self) -> Any:
            return application

    print(f"Stint is serving http://{args.host}:{args.port}/ (worker pid {worker.pid}); Ctrl+C stops both.", flush=True)
    try:
        Server().run()
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _django()
    from stint.core.worker import run_once, run_worker

    if args.once:
        run_once(force=True)
        return 0
    run_worker()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    if not settings.DEBUG and not args.force:
        # Its password is printed in our README: never on a real installation by accident.
        print("stint demo seeds a login with a published password; run it with STINT_DEBUG=1 (or --force).")
        return 2
    _migrate()
    from stint.web.demo import demo_seed

    email, password, created = demo_seed()
    state = "created" if created else "already there"
    print(f"Demo account {state}. Log in at {settings.BASE_URL}/login/ with {email} / {password}")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stint manage", *args.rest])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stint", description="Stint: team time tracking.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations, serve the app and run the worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=int(os.environ.get("STINT_WEB_WORKERS", "2")))
    serve.add_argument("--threads", type=int, default=int(os.environ.get("STINT_WEB_THREADS", "4")))
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="deliver the outbox and run the billing tick")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.set_defaults(func=cmd_worker)

    demo = sub.add_parser("demo", help="seed the demo account (once) and print its login")
    demo.add_argument("--force", action="store_true", help="also without STINT_DEBUG=1")
    demo.set_defaults(func=cmd_demo)

    from stint.licensing.cli import license_parser_add

    license_parser_add(sub)

    manage = sub.add_parser("manage", help="Django's manage.py", add_help=False)
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
