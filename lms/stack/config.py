"""The stack's files: the processes' environment, the certificate, nginx's configuration (rendered
from docs/deploy/nginx.conf, the one template production uses too), and the Procfile."""

import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

from lms.stack import BUCKET, HOST, PORTS, ROOT, database_url_proxied, public_origin, s3_origin, var_dir

NGINX_TEMPLATE = ROOT / "docs" / "deploy" / "nginx.conf"
# A browser must not keep to https for a year on a host `make demo` serves over http.
HSTS_SECONDS = 60


def paths() -> dict[str, Path]:
    var = var_dir()
    return {
        "var": var,
        "env": var / "env",
        "procfile": var / "Procfile",
        "log": var / "stack.log",
        "pids": var / "pids",
        "supervisor_pid": var / "honcho.pid",
        "tls": var / "tls",
        "cert": var / "tls" / "cert.pem",
        "key": var / "tls" / "key.pem",
        "nginx": var / "nginx",
        "static": var / "static",
        "media": var / "media",
        "mail": var / "mail",
        "redis": var / "redis",
        "prometheus": var / "prometheus",
        "beat_schedule": var / "celerybeat-schedule",
    }


MAX_NODES = 4


def nodes_wanted() -> int:
    """How many web nodes (and default workers) `start` runs: STACK_NODES (`make stack NODES=2`), 1 to 4."""
    value = os.environ.get("STACK_NODES", "1")
    if not value.isdigit() or not 1 <= int(value) <= MAX_NODES:
        raise ValueError(f"NODES must be a number from 1 to {MAX_NODES}, not {value!r}.")
    return int(value)


def nodes() -> int:
    """How many web nodes the stack was started with (its env file; 1 before any start)."""
    return int(_env_read(paths()["env"]).get("STACK_NODES", "1"))


def web_ports(count: int | None = None) -> list[int]:
    """The web nodes' gunicorn ports, one after another from PORTS.web."""
    return [PORTS.web + number for number in range(nodes() if count is None else count)]


def beat_ports(count: int | None = None) -> list[int]:
    """The web nodes' beat-pool ports (a gunicorn per node serving only the players' beats)."""
    return [PORTS.beats + number for number in range(nodes() if count is None else count)]


def node_name(base: str, number: int) -> str:
    """The Procfile name of a process of node `number` (0: `web`, 1: `web2`, …)."""
    return base if number == 0 else f"{base}{number + 1}"


def environment() -> dict[str, str]:
    """Every process's environment: production settings, pointed at the stack's services. The
    secret key is made once and kept in var/stack/env, so sessions outlive a restart."""
    p = paths()
    kept = _env_read(p["env"])
    env = {
        "STACK_NODES": str(nodes_wanted()),
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": kept.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "CSRF_TRUSTED_ORIGINS": public_origin(),
        "WAGTAILADMIN_BASE_URL": public_origin(),
        "SECURE_HSTS_SECONDS": str(HSTS_SECONDS),
        "DATABASE_URL": database_url_proxied(),
        # Behind nginx the client's address is the one nginx appends to X-Forwarded-For (the lockout's).
        "LOGIN_CLIENT_IP_PROXY_COUNT": "1",
        "REDIS_URL": f"redis://{HOST}:{PORTS.redis}/0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(PORTS.smtp),
        "DEFAULT_FILE_STORAGE": "storages.backends.s3.S3Storage",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        # moto accepts any credentials; production's come from its secret store.
        "AWS_ACCESS_KEY_ID": "stack",
        "AWS_SECRET_ACCESS_KEY": "stack-secret",
        "AWS_S3_ENDPOINT_URL": s3_origin(),
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_S3_VERIFY": str(p["cert"]),
        "CSP_MEDIA_HOSTS": s3_origin(),
        "MEDIA_ROOT": str(p["media"]),
        "STATIC_ROOT": str(p["static"]),
        "MEDIA_ACCEL_REDIRECT_PREFIX": "/protected-media/",
        "PROMETHEUS_MULTIPROC_DIR": str(p["prometheus"]),
        # The stack is seeded with `make demo`'s accounts, which log in (and take API tokens) with
        # the demo password alone; production's own default requires a second factor of staff and
        # experts (MFA_REQUIRED_FOR_ROLES).
        "MFA_REQUIRED_FOR_ROLES": "none",
        "STACK_DIR": str(p["var"]),
        "PYTHONUNBUFFERED": "1",
    }
    return env


def env_write() -> dict[str, str]:
    env = environment()
    path = paths()["env"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    path.chmod(0o600)
    return env


def _env_read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return dict(pairs)


def cert_ensure() -> Path:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl), made once."""
    p = paths()
    if p["cert"].exists() and p["key"].exists():
        return p["cert"]
    p["tls"].mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "825",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST},DNS:localhost",
            "-keyout",
            str(p["key"]),
            "-out",
            str(p["cert"]),
        ],
        check=True,
        capture_output=True,
    )
    p["key"].chmod(0o600)
    return p["cert"]


def nginx_site() -> str:
    """docs/deploy/nginx.conf with the stack's values for its placeholders."""
    p = paths()
    values = {
        "SERVER_NAME": f"{HOST} localhost",
        "PUBLIC_ORIGIN": public_origin(),
        "HTTPS_LISTEN": f"{HOST}:{PORTS.https}",
        "HTTP_LISTEN": f"{HOST}:{PORTS.http}",
        "UPSTREAM_SERVERS": " ".join(f"server {HOST}:{port};" for port in web_ports()),
        "BEAT_UPSTREAM_SERVERS": " ".join(f"server {HOST}:{port};" for port in beat_ports()),
        "TLS_CERT": str(p["cert"]),
        "TLS_KEY": str(p["key"]),
        "STATIC_ROOT": f"{p['static']}/",
        "MEDIA_ROOT": f"{p['media']}/",
        "LOG_DIR": str(p["nginx"]),
        "BODY_TEMP": str(p["nginx"] / "tmp" / "body"),
        "HSTS_SECONDS": str(HSTS_SECONDS),
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line.split("#", 1)[0] for line in text.splitlines()):
        raise ValueError("docs/deploy/nginx.conf has a placeholder the stack does not fill")
    return text


def nginx_main() -> str:
    """nginx's main configuration for the stack: pid, temp paths and logs under var/stack, the site
    (rendered template), and moto's S3 behind TLS with CORS for the player."""
    p = paths()
    tmp = p["nginx"] / "tmp"
    # Started as root, the workers drop to nobody (they only read static files); otherwise they
    # run as whoever started the stack.
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    return f"""# Generated by `python -m lms.stack start`; edit docs/deploy/nginx.conf or lms/stack/config.py instead.
{user}worker_processes 2;
# Every viewer keeps its connection open between beats (and nginx a second one to gunicorn while a
# request runs): `make load`'s 2,000 viewers overran 1,024 connections per worker (docs/deploy/capacity.md).
worker_rlimit_nofile 16384;
pid {p["nginx"] / "nginx.pid"};
error_log {p["nginx"] / "error.log"} warn;
events {{
    worker_connections 8192;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {tmp / "body"};
    proxy_temp_path {tmp / "proxy"};
    fastcgi_temp_path {tmp / "fastcgi"};
    uwsgi_temp_path {tmp / "uwsgi"};
    scgi_temp_path {tmp / "scgi"};
    access_log {p["nginx"] / "access.log"};

    include {p["nginx"] / "site.conf"};

    # The stack's object storage: moto's server behind TLS, as a real S3-compatible service is
    # reached. The player (hls.js, on {public_origin()}) fetches segments here by presigned URL.
    server {{
        listen {HOST}:{PORTS.s3_tls} ssl;
        server_name {HOST};
        ssl_certificate {p["cert"]};
        ssl_certificate_key {p["key"]};
        client_max_body_size 5g;
        proxy_request_buffering off;
        access_log {p["nginx"] / "s3.access.log"};
        location / {{
            if ($request_method = OPTIONS) {{
                add_header Access-Control-Allow-Origin {public_origin()};
                add_header Access-Control-Allow-Methods "GET, HEAD";
                add_header Access-Control-Allow-Headers "Range";
                add_header Access-Control-Max-Age 600;
                return 204;
            }}
            proxy_hide_header Access-Control-Allow-Origin;
            add_header Access-Control-Allow-Origin {public_origin()} always;
            proxy_pass http://{HOST}:{PORTS.s3};
            proxy_set_header Host $http_host;
            proxy_http_version 1.1;
        }}
    }}
}}
"""


def nginx_write() -> Path:
    p = paths()
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (p["nginx"] / "tmp" / name).mkdir(parents=True, exist_ok=True)
    (p["nginx"] / "site.conf").write_text(nginx_site())
    main = p["nginx"] / "nginx.conf"
    main.write_text(nginx_main())
    return main


def nginx_binary() -> str:
    for candidate in ("/usr/sbin/nginx", "/usr/bin/nginx"):
        if Path(candidate).exists():
            return candidate
    return "nginx"


def procfile() -> str:
    """One line per process, each kept running by `python -m lms.stack run` (restarted if it dies,
    its pid in var/stack/pids/); honcho supervises them together and stops them together."""
    p = paths()
    venv_bin = Path(sys.executable).parent
    celery = [str(venv_bin / "celery"), "-A", "lms"]
    # Background work yields the CPU to requests where they share a machine (as here): a flush or
    # a transcode may take a moment longer, a participant's page or beat should not. On machines
    # of their own (docs/deploy/scale-out.md) it changes nothing.
    background = ["nice", "-n", "10", *celery]
    # Pages yield to the beats the same way, less: a page costs 20–50 ms of CPU and a beat 1–2 ms,
    # so a beat waiting behind a page's slice is what took the beats' p99 past 100 ms under
    # `make load` (capacity.md); a page waits a few milliseconds more for it.
    pages = ["nice", "-n", "5", str(venv_bin / "gunicorn")]
    commands = {
        "nginx": [nginx_binary(), "-e", "stderr", "-p", str(p["nginx"]), "-c", str(p["nginx"] / "nginx.conf")]
        + ["-g", "daemon off;"],
    }
    # Each node: a web server and a default worker (`make stack NODES=2`), as production adds
    # machines; nginx balances the web nodes (the template's upstream), the broker the workers.
    for number, (port, beat_port) in enumerate(zip(web_ports(), beat_ports(), strict=True)):
        commands[node_name("web", number)] = [*pages, "lms.wsgi", "--bind", f"{HOST}:{port}"] + [
            *("--workers", "3", "--access-logfile", "-", "--forwarded-allow-ips", HOST)
        ]
        # The node's beat pool: the same application, reached by nginx for the beats only. No
        # access log here: at hundreds of beats a second it would cost more than the beats (nginx
        # logs every request anyway).
        # Threads that keep nginx's connections open between beats (its upstream `keepalive`): a
        # sync worker closes after every answer and lingers for nginx's side of the close, and
        # under 200 beats/s those lingering closes, not the beats, filled the pool (capacity.md).
        # gunicorn's keep-alive outlasts nginx's (60 s), so nginx, never gunicorn, closes an idle
        # connection and no beat is sent into one being closed.
        commands[node_name("beats", number)] = [str(venv_bin / "gunicorn"), "lms.wsgi"] + [
            *("--bind", f"{HOST}:{beat_port}", "--workers", "2", "--worker-class", "gthread", "--threads", "8"),
            *("--keep-alive", "75", "--forwarded-allow-ips", HOST),
        ]
        commands[node_name("worker_default", number)] = background + [
            *("worker", "-Q", "default", "-n", f"{node_name('default', number)}@%h"),
            *("--concurrency", "2", "--loglevel", "INFO"),
        ]
    commands |= {
        "worker_transcode": background
        + ["worker", "-Q", "transcode", "-n", "transcode@%h", "--concurrency", "1", "--prefetch-multiplier", "1"]
        + ["--loglevel", "INFO"],
        "beat": celery
        + ["beat", "--schedule", str(p["beat_schedule"]), "--pidfile", str(p["var"] / "celerybeat.pid")]
        + ["--loglevel", "INFO"],
        "smtp": [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{HOST}:{PORTS.smtp}"]
        + ["-c", "aiosmtpd.handlers.Mailbox", str(p["mail"])],
        "redis": ["redis-server", "--bind", HOST, "--port", str(PORTS.redis), "--dir", str(p["redis"])]
        + ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--protected-mode", "yes"],
        "s3": [str(venv_bin / "moto_server"), "-H", HOST, "-p", str(PORTS.s3)],
        "db_proxy": [sys.executable, "-m", "lms.stack", "db-proxy"],
    }
    keeper = [sys.executable, "-m", "lms.stack", "run"]
    return "".join(
        f"{name}: exec {shlex.join([*keeper, name, '--', *command])}\n" for name, command in commands.items()
    )


def procfile_write() -> Path:
    path = paths()["procfile"]
    path.write_text(procfile())
    return path
