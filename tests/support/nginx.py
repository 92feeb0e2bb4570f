"""nginx in front of workers, as docs/deployment.md configures it (round robin, websocket upgrade,
the next upstream on a refused connection), on a free loopback port, run by the test.

    with Nginx(tmp_path, [worker1.port, worker2.port]) as nginx:
        ChatSocket(nginx.url, token).connect()

Round robin rather than `ip_hash`: every test client comes from 127.0.0.1, and the clients use the
websocket transport (one connection per session), which needs no stickiness. Skips when nginx is
not installed (`scripts/install-test-tools.sh` installs it; in CI its absence is a failure).
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.server import free_port, stop_process
from tests.support.services_available import IN_CI
from tests.support.waiting import wait_until

CONFIG = """
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream campus {{
{servers}
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://campus;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;  # with the port: the Origin check compares both
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-ID $request_id;
            proxy_buffering off;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, tmp_path: Path, upstream_ports: list[int]):
        self.binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if self.binary is None:
            message = "nginx is not installed (scripts/install-test-tools.sh)"
            if IN_CI:
                pytest.fail(message + " (CI must run these tests, never skip them)")
            pytest.skip(message)
        self.dir = Path(tmp_path) / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # max_fails=0 as docs/deployment.md says: never marked down, a refused connect tries the next.
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in upstream_ports)
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""  # workers may write its temp dirs
        self.config = self.dir / "nginx.conf"
        self.config.write_text(CONFIG.format(user=user, dir=self.dir, servers=servers, port=self.port))
        self.process: subprocess.Popen | None = None

    def start(self) -> Nginx:
        self.process = subprocess.Popen(
            [self.binary, "-p", str(self.dir), "-c", str(self.config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_until(self.answers, f"nginx on port {self.port}")
        return self

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError((self.dir / "error.log").read_text(errors="replace"))
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
