"""A loopback server for the Hugging Face Hub's write endpoints, backed by git repositories.

olah (the read mirror the tests use for downloads) has no create-repo or commit endpoints,
and no maintained package serves them offline, so this implements the documented ones that
``HfApi.create_repo``, ``create_branch`` and ``upload_folder`` call:

    POST /api/repos/create                        {"name", "organization", "visibility", "type"}
    POST /api/models/{repo}/preupload/{revision}  -> every file "regular" (inline base64)
    POST /api/models/{repo}/commit/{revision}     NDJSON: header, file (base64), deletedFile
    POST /api/models/{repo}/branch/{branch}
    POST /api/validate-yaml                       model-card metadata check
    GET  /api/models/{repo}/revision/{revision}   minimal repo info

Each repo is a git repository ``ROOT/models/ORG/NAME`` on branch ``main``: the layout olah
serves, so what is pushed here can be downloaded through olah.

Run: python -m tests.hub.commit_server ROOT PORT
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROUTE = re.compile(r"^/api/models/([^/]+/[^/]+)/(preupload|commit|branch|revision)/(.+)$")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "hub",
    "GIT_AUTHOR_EMAIL": "hub@127.0.0.1",
    "GIT_COMMITTER_NAME": "hub",
    "GIT_COMMITTER_EMAIL": "hub@127.0.0.1",
    "PATH": "/usr/bin:/bin",
}
LOCK = threading.Lock()


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=GIT_ENV, check=True
    )
    return out.stdout.strip()


class Handler(BaseHTTPRequestHandler):
    root: Path

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status >= 400:
            self.send_header("X-Error-Message", body.get("error", ""))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _repo(self, repo_id: str) -> Path:
        return self.root / "models" / repo_id

    def do_GET(self):  # noqa: N802
        m = ROUTE.match(self.path.split("?")[0])
        if not m or m.group(2) != "revision":
            return self._send(404, {"error": f"no route {self.path}"})
        repo = self._repo(m.group(1))
        if not repo.is_dir():
            return self._send(404, {"error": "Repository not found"})
        sha = git(repo, "rev-parse", m.group(3))
        return self._send(
            200, {"id": m.group(1), "modelId": m.group(1), "sha": sha, "siblings": []}
        )

    def do_POST(self):  # noqa: N802
        path = self.path.split("?")[0]
        with LOCK:
            if path == "/api/repos/create":
                return self._create(json.loads(self._body()))
            if path == "/api/validate-yaml":
                return self._validate_card(json.loads(self._body()))
            m = ROUTE.match(path)
            if not m:
                return self._send(404, {"error": f"no route {path}"})
            repo_id, action, revision = m.group(1), m.group(2), m.group(3)
            repo = self._repo(repo_id)
            if not repo.is_dir():
                return self._send(404, {"error": "Repository not found"})
            if action == "preupload":
                files = json.loads(self._body())["files"]
                return self._send(
                    200,
                    {
                        "files": [
                            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                            for f in files
                        ]
                    },
                )
            if action == "branch":
                self._body()
                if git(repo, "branch", "--list", revision):
                    return self._send(409, {"error": f"branch {revision} already exists"})
                git(repo, "branch", revision, "main")
                return self._send(200, {})
            if action == "commit":
                return self._commit(repo, repo_id, revision)
        return self._send(404, {"error": f"no route {path}"})

    def _validate_card(self, payload: dict) -> None:
        """Model cards must open with a YAML mapping between '---' lines."""
        text = payload.get("content", "")
        parts = text.split("---\n")
        try:
            meta = yaml.safe_load(parts[1]) if text.startswith("---\n") and len(parts) > 2 else {}
        except yaml.YAMLError as exc:
            return self._send(400, {"error": f"Invalid YAML in model card: {exc}"})
        if not isinstance(meta, dict):
            return self._send(400, {"error": "model card metadata must be a mapping"})
        return self._send(200, {"errors": [], "warnings": []})

    def _create(self, payload: dict) -> None:
        repo_id = f"{payload.get('organization') or 'user'}/{payload['name']}"
        repo = self._repo(repo_id)
        if repo.exists():
            return self._send(
                409,
                {
                    "error": "You already created this model repo",
                    "url": f"http://{self.headers['Host']}/{repo_id}",
                },
            )
        repo.mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main")
        (repo / ".git" / "hub-visibility").write_text(
            "private"
            if payload.get("private") or payload.get("visibility") == "private"
            else "public"
        )
        (repo / ".gitattributes").write_text("*.safetensors binary\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial commit")
        return self._send(200, {"url": f"http://{self.headers['Host']}/{repo_id}"})

    def _commit(self, repo: Path, repo_id: str, revision: str) -> None:
        lines = [json.loads(x) for x in self._body().splitlines() if x.strip()]
        header = next((x["value"] for x in lines if x["key"] == "header"), {})
        git(repo, "checkout", "-q", revision)
        for item in lines:
            value = item["value"]
            if item["key"] == "file":
                target = repo / value["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(base64.b64decode(value["content"]))
            elif item["key"] in ("deletedFile", "deletedFolder"):
                subprocess.run(["git", "-C", str(repo), "rm", "-rq", value["path"]], env=GIT_ENV)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", header.get("summary", "commit"))
        sha = git(repo, "rev-parse", "HEAD")
        git(repo, "checkout", "-q", "main")
        host = self.headers["Host"]
        return self._send(
            200,
            {
                "commitUrl": f"http://{host}/{repo_id}/commit/{sha}",
                "commitOid": sha,
                "success": True,
            },
        )


def serve(root: Path, port: int) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"root": root})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


if __name__ == "__main__":
    server = serve(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"commit server on 127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
