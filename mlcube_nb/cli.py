"""The ``mlcube-nb`` command: ``serve``, ``bootstrap``, ``migrate`` and ``demo``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mlcube_nb.server import Settings, create_app

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings(**overrides)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


def _bootstrap(args: argparse.Namespace) -> int:
    from mlcube_nb.server import Settings
    from mlcube_nb.server.bootstrap import bootstrap

    user_id, key = bootstrap(Settings(), username=args.username, email=args.email)
    print(f"user {args.username} ({user_id}) is ready; its new API key (shown once) follows:")
    print(key)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from mlcube_nb.server import Settings
    from mlcube_nb.server.db.engine import make_engine
    from mlcube_nb.server.db.migrate import current_revision, upgrade

    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    where = engine.url.render_as_string(hide_password=True)
    change = "already at" if before == after else f"{before or 'empty'} ->"
    print(f"{where}: schema {change} {after}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from mlcube_nb.demo import run_demo

    return run_demo(keep_home=args.home)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mlcube-nb``."""
    parser = argparse.ArgumentParser(prog="mlcube-nb", description="mlcube_nb ML-monitoring platform")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the platform server")
    serve.add_argument("--host", default=None, help="address to bind (default MLCUBE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default MLCUBE_PORT or 8730)")
    serve.set_defaults(func=_serve)
    boot = sub.add_parser("bootstrap", help="create or reuse a user and print a fresh API key")
    boot.add_argument("--username", required=True)
    boot.add_argument("--email", default=None)
    boot.set_defaults(func=_bootstrap)
    migrate = sub.add_parser("migrate", help="apply the database migrations once (before rolling out servers)")
    migrate.set_defaults(func=_migrate)
    demo = sub.add_parser("demo", help="a guided tour on the embedded platform")
    demo.add_argument("--home", default=None, help="keep the demo's data in this folder (default: temporary)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
