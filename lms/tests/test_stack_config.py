"""The stack's files (lms/stack/config.py): docs/deploy/nginx.conf renders into a configuration nginx
accepts, and the Procfile runs each production process once, on the stack's own ports."""

import shutil
import subprocess

import pytest

from lms.stack import PORTS, config


@pytest.fixture
def stack_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STACK_DIR", str(tmp_path / "stack"))
    return tmp_path / "stack"


def test_the_one_nginx_template_is_filled_in_completely(stack_dir):
    site = config.nginx_site()
    assert "@" not in "".join(line.split("#", 1)[0] for line in site.splitlines())
    assert f"listen 127.0.0.1:{PORTS.https} ssl http2;" in site
    assert f"return 301 https://127.0.0.1:{PORTS.https}$request_uri;" in site
    assert f"server 127.0.0.1:{PORTS.web};" in site
    assert f"alias {stack_dir / 'static'}/;" in site
    assert "client_max_body_size 5g;" in site


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is installed by make system-deps")
def test_nginx_accepts_the_rendered_configuration(stack_dir):
    nginx = config.nginx_binary()
    if not shutil.which(nginx):
        pytest.skip("nginx is installed by make system-deps (make stack)")
    config.cert_ensure()
    main = config.nginx_write()
    result = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(stack_dir / "nginx"), "-c", str(main)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_procfile_runs_each_process_once_on_the_stacks_ports(stack_dir):
    lines = dict(line.split(": ", 1) for line in config.procfile().splitlines())
    assert set(lines) == {
        "nginx",
        "web",
        "beats",
        "worker_default",
        "worker_transcode",
        "beat",
        "smtp",
        "redis",
        "s3",
        "db_proxy",
    }
    assert all(command.startswith("exec ") and " -m lms.stack run " in command for command in lines.values())
    assert f"--bind 127.0.0.1:{PORTS.web}" in lines["web"] and ":8000" not in lines["web"]
    assert f"--bind 127.0.0.1:{PORTS.beats}" in lines["beats"] and "--access-logfile" not in lines["beats"]
    assert "-Q transcode" in lines["worker_transcode"] and "--concurrency 1" in lines["worker_transcode"]
    assert "-Q default " in lines["worker_default"]
    assert all(
        lines[name].split(" -- ", 1)[1].startswith("nice -n 10 ") for name in ("worker_default", "worker_transcode")
    )
    # The beats before the pages, the pages before the background work.
    assert lines["web"].split(" -- ", 1)[1].startswith("nice -n 5 ")
    assert " -- nice " not in lines["beats"] and "--worker-class gthread" in lines["beats"]
    assert f"--port {PORTS.redis}" in lines["redis"] and "--appendonly yes --appendfsync everysec" in lines["redis"]


def test_two_nodes_run_two_web_servers_behind_the_one_nginx_and_two_default_workers(stack_dir, monkeypatch):
    monkeypatch.setenv("STACK_NODES", "2")
    config.env_write()
    assert config.nodes() == 2 and config.web_ports() == [PORTS.web, PORTS.web + 1]
    lines = dict(line.split(": ", 1) for line in config.procfile().splitlines())
    assert {"web", "web2", "beats", "beats2", "worker_default", "worker_default2"} <= set(lines)
    assert f"--bind 127.0.0.1:{PORTS.web + 1}" in lines["web2"]
    assert f"--bind 127.0.0.1:{PORTS.beats + 1}" in lines["beats2"]
    assert "-Q default -n default2@%h" in lines["worker_default2"]
    site = config.nginx_site()
    assert f"server 127.0.0.1:{PORTS.web}; server 127.0.0.1:{PORTS.web + 1};" in site
    assert f"server 127.0.0.1:{PORTS.beats}; server 127.0.0.1:{PORTS.beats + 1};" in site


@pytest.mark.parametrize("nodes", ["0", "5", "two"])
def test_a_node_count_out_of_range_is_refused_by_name(stack_dir, monkeypatch, nodes):
    from lms.stack import control

    monkeypatch.setenv("STACK_NODES", nodes)
    with pytest.raises(control.StackError, match="NODES must be a number from 1 to 4"):
        control.start(seed=False)
    assert not (stack_dir / "env").exists()


def test_the_environment_is_productions_with_a_kept_random_secret(stack_dir):
    first = config.env_write()
    assert first["DJANGO_SETTINGS_MODULE"] == "lms.settings.production"
    # The processes reach the stack's database through its proxy (the path a fault drill cuts).
    assert first["DATABASE_URL"] == f"postgres://postgres@127.0.0.1:{PORTS.db_proxy}/lms_stack"
    assert len(first["SECRET_KEY"]) >= 50
    assert first["DEFAULT_FILE_STORAGE"] == "storages.backends.s3.S3Storage"
    assert config.env_write()["SECRET_KEY"] == first["SECRET_KEY"]
    assert (stack_dir / "env").stat().st_mode & 0o077 == 0


def test_the_database_proxy_forwards_and_a_cut_refuses_and_resets_until_it_is_opened_again():
    """lms/stack/dbproxy.py against a loopback echo server standing in for PostgreSQL."""
    import asyncio
    import concurrent.futures

    from lms.stack.dbproxy import DatabaseProxy

    async def echo(reader, writer):
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def scenario() -> list:
        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        target = server.sockets[0].getsockname()[:2]
        probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        free_port = probe.sockets[0].getsockname()[1]
        probe.close()
        await probe.wait_closed()
        proxy = DatabaseProxy(listen=("127.0.0.1", free_port), target=target)
        await proxy.open()
        seen = []
        reader, writer = await asyncio.open_connection("127.0.0.1", free_port)
        writer.write(b"SELECT 1")
        seen.append(await reader.read(1024))
        proxy.cut()
        seen.append(await reader.read(1024))  # the open connection is reset: nothing more comes
        try:
            await asyncio.open_connection("127.0.0.1", free_port)
        except ConnectionRefusedError:
            seen.append("refused")
        await proxy.open()
        reader, writer = await asyncio.open_connection("127.0.0.1", free_port)
        writer.write(b"again")
        seen.append(await reader.read(1024))
        proxy.cut()
        server.close()
        return seen

    # In a thread of its own: Playwright's sync API may keep an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(asyncio.run, scenario()).result(timeout=30)
    assert seen == [b"SELECT 1", b"", "refused", b"again"]


def test_a_restore_takes_the_latest_complete_backup_and_no_object_key_leaves_its_folder(tmp_path, monkeypatch):
    from lms.stack import backup
    from lms.stack.control import StackError

    monkeypatch.setenv("STACK_BACKUP_DIR", str(tmp_path))
    with pytest.raises(StackError, match="no complete backup"):
        backup.latest()
    for name in ("20260101T000000Z", "20260102T000000Z"):
        (tmp_path / name).mkdir()
    (tmp_path / "20260101T000000Z" / backup.MANIFEST).write_text("{}")
    # The newer one was interrupted (no manifest, written last): never restored.
    assert backup.latest() == tmp_path / "20260101T000000Z"
    assert backup._object_path(tmp_path, "video/hls/a/b.ts") == tmp_path / "bucket" / "video" / "hls" / "a" / "b.ts"
    for key in ("../../etc/passwd", "/etc/passwd", "video//a.ts", ""):
        with pytest.raises(StackError):
            backup._object_path(tmp_path, key)


def test_backup_and_restore_refuse_a_stack_that_is_not_running(stack_dir):
    from lms.stack import backup
    from lms.stack.control import StackError

    for command in (backup.backup, backup.restore):
        with pytest.raises(StackError, match="not running"):
            command()
