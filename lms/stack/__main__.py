"""python -m lms.stack COMMAND: the commands are listed in lms/stack/__init__.py."""

import argparse
import asyncio
import sys
from pathlib import Path
from urllib.parse import urlparse

from lms.stack import HOST, PORTS, backup, config, control, database_url


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m lms.stack", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="prepare, start, seed the demo data and wait until healthy")
    start.add_argument("--no-seed", action="store_true", help="do not run seed_demo")
    commands.add_parser("stop", help="stop exactly what start started")
    commands.add_parser("status", help="the supervised processes and their pids")
    commands.add_parser("nginx", help="print docs/deploy/nginx.conf rendered for the stack")
    commands.add_parser("cert", help="make the self-signed certificate (once) and print its path")
    commands.add_parser("backup", help="copy the running stack's database and bucket into var/backups/<time>/")
    restore = commands.add_parser("restore", help="load a backup into the running stack")
    restore.add_argument("folder", nargs="?", type=Path, help="a backup folder (default: the latest in var/backups/)")
    outage = commands.add_parser("db-outage", help="cut the stack's path to PostgreSQL for a while")
    outage.add_argument("seconds", type=float)
    run = commands.add_parser("run", help="(used by the Procfile) run a command, restarting it if it dies")
    run.add_argument("name")
    run.add_argument("argv", nargs=argparse.REMAINDER)
    commands.add_parser("db-proxy", help="(used by the Procfile) the stack's TCP path to PostgreSQL")
    args = parser.parse_args(argv)
    try:
        return _command(args)
    except control.StackError as error:
        print(f"make stack: {error}", file=sys.stderr)
        return 1


def _command(args) -> int:
    if args.command == "start":
        control.start(seed=not args.no_seed)
    elif args.command == "stop":
        control.stop()
    elif args.command == "status":
        return 0 if control.status() else 1
    elif args.command == "nginx":
        sys.stdout.write(config.nginx_site())
    elif args.command == "cert":
        print(config.cert_ensure())
    elif args.command == "backup":
        backup.backup()
    elif args.command == "restore":
        backup.restore(folder=args.folder)
    elif args.command == "db-outage":
        control.database_outage(args.seconds)
    elif args.command == "db-proxy":
        from lms.stack.dbproxy import serve

        server = urlparse(database_url())
        asyncio.run(serve(listen=(HOST, PORTS.db_proxy), target=(server.hostname or HOST, server.port or 5432)))
    else:
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        return control.run_kept(args.name, command)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
