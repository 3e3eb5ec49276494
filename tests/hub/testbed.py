"""Start a real Hub-compatible setup on loopback: olah serves downloads from git repositories
(the real huggingface_hub client talks to it as to the Hub), and tests.hub.commit_server
accepts create-repo/commit calls into the same repositories."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start:\n{log.read_text()}")


@dataclasses.dataclass
class Testbed:
    root: Path
    read_endpoint: str
    write_endpoint: str
    processes: list[subprocess.Popen]

    @property
    def mirrors(self) -> Path:
        return self.root / "mirrors"

    def repo_path(self, repo_id: str) -> Path:
        return self.mirrors / "models" / repo_id

    def stop(self) -> None:
        for p in self.processes:
            p.terminate()
        for p in self.processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def start(root: Path) -> Testbed:
    (root / "mirrors").mkdir(parents=True)
    (root / "repos").mkdir()
    read_port, write_port = free_port(), free_port()
    config = root / "olah.toml"
    config.write_text(
        "[basic]\n"
        'host = "127.0.0.1"\n'
        f"port = {read_port}\n"
        f'mirror-netloc = "127.0.0.1:{read_port}"\n'
        f'mirror-lfs-netloc = "127.0.0.1:{read_port}"\n'
        f'repos-path = "{root / "repos"}"\n'
        f'mirrors-path = ["{root / "mirrors"}"]\n'
        "[accessibility]\n"
        "offline = true\n"
    )
    olah_log, commit_log = root / "olah.log", root / "commit.log"
    olah = subprocess.Popen(
        [sys.executable, "-m", "olah.server", "-c", str(config)],
        cwd=root,
        stdout=olah_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    repo_root = Path(__file__).resolve().parents[2]
    commit = subprocess.Popen(
        [sys.executable, "-m", "tests.hub.commit_server", str(root / "mirrors"), str(write_port)],
        cwd=repo_root,
        stdout=commit_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    bed = Testbed(
        root, f"http://127.0.0.1:{read_port}", f"http://127.0.0.1:{write_port}", [olah, commit]
    )
    try:
        _wait(bed.read_endpoint + "/api/models/none/none", olah, olah_log)
        _wait(bed.write_endpoint + "/api/models/none/none/revision/main", commit, commit_log)
    except Exception:
        bed.stop()
        raise
    return bed
