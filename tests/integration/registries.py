"""Real registries on loopback ports for berth's registry tests.

berth's pull, push, login and search must be proven against the real thing,
not against a mock that shares berth's misunderstandings. So these fixtures run
the CNCF distribution registry (Debian's docker-registry, `docker-registry
serve CONFIG`) on 127.0.0.1 in the modes the issue names: plain HTTP, htpasswd
Basic auth, Docker's Bearer token flow with a small token server whose JWTs the
registry verifies itself, TLS with a test CA, and pull-through cache (a mirror
of another fixture). HubSearch stands in for Docker Hub's /v1/search, which
cannot be reached here.

Images are pushed by a small pure-Python client (push_image, push_index) so
that the tests need neither skopeo nor docker; it gzips layers
deterministically and returns the digests berth must reproduce.

Nothing here uses a third-party Python module (the interpreter ctest picks may
not see Debian's python3-* packages): keys, certificates and JWT signatures
come from the openssl CLI, bcrypt hashes from `htpasswd -B` (apache2-utils).
Everything lives under the directory the test passes in.
"""
import base64
import gzip
import hashlib
import http.client
import http.server
import json
import os
import platform as _platform
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.parse

import berthtest

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
START_TIMEOUT = 20.0

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
OCI_FOREIGN_LAYER = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
MEDIA = {
    "docker": {"manifest": DOCKER_MANIFEST, "index": DOCKER_LIST, "config": DOCKER_CONFIG,
               "layer": DOCKER_LAYER, "foreign": DOCKER_FOREIGN_LAYER},
    "oci": {"manifest": OCI_MANIFEST, "index": OCI_INDEX, "config": OCI_CONFIG,
            "layer": OCI_LAYER, "foreign": OCI_FOREIGN_LAYER},
}
ALL_MANIFESTS = ", ".join([DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX])


# ---------------------------------------------------------------- small helpers

def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def host_arch():
    """This machine's architecture in Go/OCI spelling (amd64, arm64, ...)."""
    m = _platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "armv6l": "arm",
            "i386": "386", "i686": "386"}.get(m, m)


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _openssl(*args, stdin=None):
    r = subprocess.run(["openssl", *args], input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout


def make_ca(dirpath):
    """A self-signed test CA (EC P-256): returns (cert path, key path)."""
    cert, key = os.path.join(dirpath, "ca.crt"), os.path.join(dirpath, "ca.key")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=berth test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


def make_server_cert(dirpath, ca_cert, ca_key, ip="127.0.0.1"):
    """A server certificate for ip (IP SAN, plus DNS localhost) signed by the CA."""
    cert, key = os.path.join(dirpath, "server.crt"), os.path.join(dirpath, "server.key")
    csr, ext = os.path.join(dirpath, "server.csr"), os.path.join(dirpath, "server.ext")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", csr, "-subj", f"/CN={ip}")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=IP:{ip},DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
             "-out", cert, "-days", "2", "-extfile", ext)
    return cert, key


def libtrust_key_id(cert_path):
    """The `kid` distribution looks a trusted key up by (libtrust's
    fingerprint): sha256 of the DER SubjectPublicKeyInfo, first 240 bits,
    base32, in 12 colon-separated groups of 4."""
    pem = _openssl("x509", "-in", cert_path, "-pubkey", "-noout")
    der = _openssl("pkey", "-pubin", "-outform", "DER", stdin=pem)
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


# ------------------------------------------------------- recording HTTP servers

class _Handler(http.server.BaseHTTPRequestHandler):
    """Routes every request to the owning fixture's handle(req) after
    recording it; quiet (no stderr logging)."""
    protocol_version = "HTTP/1.1"

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        req = {"method": self.command, "path": url.path,
               "query": urllib.parse.parse_qs(url.query, keep_blank_values=True),
               "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(req)
        status, headers, payload = owner.handle(req)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _dispatch

    def log_message(self, *args):
        pass


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 running a test's own handler class
    (fake registries serving whatever bytes a test gives): serve(), .host, stop()."""

    def serve(self, handler):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *a: None  # berth's https try resets: not news
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _RecordingServer:
    """A threaded HTTP server on 127.0.0.1 whose requests are kept in
    .requests (dicts: method, path, query {k: [v]}, headers lowercased, body).
    Subclasses implement handle(req) -> (status, headers, body bytes)."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @staticmethod
    def json_reply(status, obj, extra=None):
        headers = {"Content-Type": "application/json"}
        headers.update(extra or {})
        return status, headers, json.dumps(obj).encode()


# ---------------------------------------------------------------- token server

class TokenServer(_RecordingServer):
    """Docker's token service (the Bearer flow), as Docker Hub's auth.docker.io does it.

    GET /token?service=S&scope=repository:NAME:pull,push[&scope=...] with
    Basic auth (a user of `users`) or none. Valid users get pull and push on
    every repository scope asked for (and `*` on registry:catalog:*); anonymous
    callers get pull only when anonymous_pull, otherwise a token granting
    nothing (the registry then answers 401 insufficient_scope, as Hub does);
    a wrong user or password gets 401. POST /token with the OAuth2 password
    grant (form: grant_type=password, username, password, service, scope) is
    answered the same way. The reply carries the fields named in `fields`
    (default both "token" and "access_token") and expires_in 300.

    The JWT is RS256 with the signing certificate in its `x5c` header and its
    libtrust `kid`; the registry trusts it through `.cert` (its
    rootcertbundle), `.issuer` and `.service`.
    """

    def __init__(self, tmpdir, users, anonymous_pull=False, service="berth-test-registry",
                 issuer="berth-test-token-issuer", fields=("token", "access_token")):
        self.dir = tempfile.mkdtemp(prefix="token-", dir=tmpdir)
        self.users = dict(users or {})
        self.anonymous_pull = anonymous_pull
        self.service, self.issuer, self.fields = service, issuer, tuple(fields)
        self.key = os.path.join(self.dir, "signing.key")
        self.cert = os.path.join(self.dir, "signing.crt")
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key,
                 "-out", self.cert, "-days", "2", "-subj", "/CN=berth test token signer")
        self.kid = libtrust_key_id(self.cert)
        der = _openssl("x509", "-in", self.cert, "-outform", "DER")
        self._x5c = [base64.b64encode(der).decode()]
        self.issued = []  # (subject, access list) of every token handed out
        super().__init__()
        self.realm = self.url + "/token"

    def handle(self, req):
        if req["path"] != "/token" or req["method"] not in ("GET", "POST"):
            return self.json_reply(404, {"details": "not found"})
        if req["method"] == "POST":
            form = urllib.parse.parse_qs(req["body"].decode(), keep_blank_values=True)
            user = (form.get("username") or [None])[0]
            password = (form.get("password") or [""])[0]
            scopes = form.get("scope", [])
        else:
            user, password = self._basic(req["headers"].get("authorization"))
            scopes = req["query"].get("scope", [])
        if user is not None and (user not in self.users or self.users[user] != password):
            return self.json_reply(401, {"details": "incorrect username or password"},
                                   {"WWW-Authenticate": 'Basic realm="berth-test-token"'})
        scopes = [s for joined in scopes for s in joined.split(" ") if s]
        access = [a for a in (self._grant(user, s) for s in scopes) if a]
        token = self.make_token(user or "", access)
        with self.lock:
            self.issued.append((user, access))
        reply = {f: token for f in self.fields}
        reply.update({"expires_in": 300,
                      "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        return self.json_reply(200, reply)

    @staticmethod
    def _basic(header):
        if not header or not header.lower().startswith("basic "):
            return None, None
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except ValueError:
            return "", None
        return user, password

    def _grant(self, user, scope):
        """The access entry for one `type:name:actions` scope, or None."""
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if not name:
            return None
        asked = [a for a in actions.split(",") if a]
        if user is not None:
            allowed = {"pull", "push", "*"} if kind == "registry" else {"pull", "push"}
        else:
            allowed = {"pull"} if self.anonymous_pull and kind == "repository" else set()
        granted = [a for a in asked if a in allowed]
        return {"type": kind, "name": name, "actions": granted} if granted else None

    def make_token(self, subject, access, lifetime=300):
        """A signed JWT for these claims (public so tests can forge variants)."""
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5c": self._x5c}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service,
                  "exp": now + lifetime, "nbf": now - 10, "iat": now,
                  "jti": secrets.token_hex(8), "access": access}
        signing_input = (_b64url(json.dumps(header).encode()) + "." +
                         _b64url(json.dumps(claims).encode())).encode()
        sig = _openssl("dgst", "-sha256", "-sign", self.key, stdin=signing_input)
        return signing_input.decode() + "." + _b64url(sig)


# ---------------------------------------------------------------- the registry

class Registry:
    """The distribution registry (`docker-registry serve`) on 127.0.0.1.

    auth: None, "htpasswd" (Basic, bcrypt hashes of `users`) or "token" (a
    TokenServer in .token_server; anonymous_pull passes to it). tls: serve
    HTTPS with a server cert for 127.0.0.1 signed by a fresh CA (.ca_cert).
    proxy_remote: a Registry fixture or URL to mirror (pull-through cache,
    which refuses pushes with 405); proxy_credentials (user, password) for it
    (default: the upstream fixture's first user when it has auth; the proxy
    can log in to token-auth upstreams only, not htpasswd ones). Storage is the
    filesystem under .storage_dir with deletes enabled; the registry's output
    goes to .log. The constructor returns once /v2/ answers.

    kill() SIGKILLs the process (a crash mid-pull), start() runs it again on
    the same port and storage, stop() ends it (and the token server).
    """

    def __init__(self, tmpdir, auth=None, tls=False, proxy_remote=None, users=None,
                 anonymous_pull=False, proxy_credentials=None):
        if auth not in (None, "htpasswd", "token"):
            raise ValueError(f"unknown auth mode {auth!r}")
        self.auth, self.tls = auth, tls
        self.users = dict(users if users is not None else {"alice": "secret"})
        self.dir = tempfile.mkdtemp(prefix="registry-", dir=tmpdir)
        self.storage_dir = os.path.join(self.dir, "storage")
        os.makedirs(self.storage_dir)
        self.log = os.path.join(self.dir, "registry.log")
        self.config = os.path.join(self.dir, "config.yml")
        self.ca_cert = None
        self.token_server = None
        self.proc = None
        self._env = dict(os.environ)
        try:
            self._write_config(proxy_remote, proxy_credentials, anonymous_pull)
            for attempt in range(3):  # another process may take the free port first
                self._use_port(free_port())
                try:
                    self.start()
                    break
                except RuntimeError:
                    if attempt == 2 or "address already in use" not in self.log_text():
                        raise
        except BaseException:
            self.stop()
            raise

    def _use_port(self, port):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.url = ("https://" if self.tls else "http://") + self.host
        with open(self.config) as f:
            text = f.read()
        with open(self.config, "w") as f:
            f.write(re.sub(r"(?m)^  addr: .*$", f"  addr: {self.host}", text))

    # -- setup

    def _write_config(self, proxy_remote, proxy_credentials, anonymous_pull):
        lines = ["version: 0.1",
                 # Foreign layers: 2.8 refuses every `urls` entry unless allowed.
                 "validation:", "  manifests:", "    urls:", "      allow: ['^https?://']",
                 "log:", "  level: info", "  formatter: text",
                 "storage:",
                 "  filesystem:", f"    rootdirectory: {self.storage_dir}",
                 "  delete:", "    enabled: true",
                 "  maintenance:", "    uploadpurging:", "      enabled: false",
                 "http:", "  addr: 127.0.0.1:0", "  secret: berth-test-secret",
                 "  headers:", "    X-Content-Type-Options: [nosniff]"]
        if self.tls:
            self.ca_cert, ca_key = make_ca(self.dir)
            cert, key = make_server_cert(self.dir, self.ca_cert, ca_key)
            lines += ["  tls:", f"    certificate: {cert}", f"    key: {key}"]
        if self.auth == "htpasswd":
            lines += ["auth:", "  htpasswd:", "    realm: berth-test-registry",
                      f"    path: {self._write_htpasswd()}"]
        elif self.auth == "token":
            self.token_server = TokenServer(self.dir, self.users, anonymous_pull)
            ts = self.token_server
            lines += ["auth:", "  token:", f"    realm: {ts.realm}", f"    service: {ts.service}",
                      f"    issuer: {ts.issuer}", f"    rootcertbundle: {ts.cert}"]
        if proxy_remote is not None:
            lines += self._proxy_config(proxy_remote, proxy_credentials)
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _write_htpasswd(self):
        path = os.path.join(self.dir, "htpasswd")
        with open(path, "w") as f:
            for user, password in self.users.items():
                # -C 4: the cheapest bcrypt cost, so logins stay fast.
                r = subprocess.run(["htpasswd", "-nbBC", "4", user, password],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
                f.write(r.stdout.decode().strip() + "\n")
        return path

    def _proxy_config(self, remote, credentials):
        url = remote.url if isinstance(remote, Registry) else remote
        if isinstance(remote, Registry):
            if remote.auth == "htpasswd":
                # distribution 2.8's proxy only answers Bearer challenges.
                raise ValueError("a pull-through cache cannot log in to an htpasswd upstream")
            if credentials is None and remote.auth and remote.users:
                credentials = next(iter(remote.users.items()))
            if remote.ca_cert:  # Go reads extra roots from SSL_CERT_FILE
                self._env["SSL_CERT_FILE"] = remote.ca_cert
        lines = ["proxy:", f"  remoteurl: {url}"]
        if credentials:
            lines += [f"  username: {credentials[0]}", f"  password: {credentials[1]}"]
        return lines

    # -- lifecycle

    def start(self):
        """Runs the registry (again) on .port and .storage_dir; returns once
        /v2/ answers. Output is appended to .log."""
        if self.proc and self.proc.poll() is None:
            raise RuntimeError("registry already running")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([REGISTRY_BIN, "serve", self.config],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self._env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited {self.proc.returncode}:\n"
                                   + self.log_text()[-4000:])
            if self._answers():
                return self
            time.sleep(0.05)
        self.kill()
        raise TimeoutError("docker-registry did not answer /v2/:\n" + self.log_text()[-4000:])

    def _answers(self):
        try:
            status, _, _ = http_request("GET", self.url + "/v2/", cafile=self.ca_cert, timeout=2)
            return status in (200, 401)
        except (OSError, http.client.HTTPException):
            return False

    def kill(self):
        """SIGKILL, as a crash would: connections drop mid-transfer."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        """Ends the registry (SIGTERM, then SIGKILL) and its token server."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.token_server:
            self.token_server.stop()

    def running(self):
        return bool(self.proc) and self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- helpers for tests

    def log_text(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def blob_path(self, digest):
        """The file holding a blob's bytes in the registry's storage (to corrupt it)."""
        algo, hexd = digest.split(":", 1)
        return os.path.join(self.storage_dir, "docker", "registry", "v2", "blobs",
                            algo, hexd[:2], hexd, "data")

    def install_certs_d(self, certs_root, host=None):
        """Writes .ca_cert as <certs_root>/<host>/ca.crt (Docker's
        /etc/docker/certs.d layout); host defaults to .host. Returns the path."""
        if not self.ca_cert:
            raise ValueError("registry has no TLS CA (tls=False)")
        return install_certs_d(certs_root, host or self.host, self.ca_cert)

    def client(self, auth=None):
        """A RegistryClient for this registry (auth: (user, password) or None)."""
        return RegistryClient(self, auth=auth)

    @property
    def credentials(self):
        """(user, password) of the first user."""
        return next(iter(self.users.items()))


def install_certs_d(certs_root, host, ca_cert):
    """Writes ca_cert as <certs_root>/<host>/ca.crt; returns the path."""
    d = os.path.join(certs_root, host)
    os.makedirs(d, exist_ok=True)
    dest = os.path.join(d, "ca.crt")
    shutil.copyfile(ca_cert, dest)
    return dest


# ---------------------------------------------------------- Docker Hub search

class HubSearch(_RecordingServer):
    """Docker Hub's search API: GET /v1/search?q=TERM&n=LIMIT[&page=P].

    repos: dicts with name, description, star_count, is_official,
    is_automated (missing fields default to "", 0, False, False). Matches are
    the repos whose name or description contains TERM (case-insensitive), at
    most n (default 25). Every request is kept in .requests. Setting .status
    to an error code makes every answer fail with it. tmpdir is accepted like
    the other fixtures' but nothing is written there.
    """

    def __init__(self, tmpdir=None, repos=()):
        self.repos = [dict({"description": "", "star_count": 0, "is_official": False,
                            "is_automated": False}, **r) for r in repos]
        self.status = 200
        super().__init__()

    def handle(self, req):
        if self.status != 200:
            return self.json_reply(self.status, {"message": "search unavailable"})
        if req["path"] != "/v1/search":
            return self.json_reply(404, {"message": "page not found"})
        q = req["query"]
        term = (q.get("q") or [""])[0]
        try:
            limit = int((q.get("n") or ["25"])[0])
            page = int((q.get("page") or ["1"])[0])
        except ValueError:
            return self.json_reply(400, {"message": "invalid n or page"})
        hits = [r for r in self.repos
                if term.lower() in r["name"].lower() or term.lower() in r["description"].lower()]
        start = (page - 1) * limit
        return self.json_reply(200, {
            "num_pages": max(1, -(-len(hits) // max(limit, 1))), "num_results": len(hits),
            "page_size": limit, "page": page, "query": term,
            "results": hits[start:start + limit]})


class FileServer(_RecordingServer):
    """A foreign host: serves files {path: bytes} (GET, HEAD, and one
    `Range: bytes=A-[B]` per request, answered 206) and records every request,
    so tests can prove what reached it (no Authorization header, a Range).
    Unknown paths get 404. .url + path is a file's address."""

    def __init__(self, files=None):
        self.files = dict(files or {})
        super().__init__()

    def handle(self, req):
        data = self.files.get(req["path"])
        if data is None or req["method"] not in ("GET", "HEAD"):
            return 404, {}, b""
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", req["headers"].get("range", ""))
        if not m:
            return 200, {"Content-Type": "application/octet-stream"}, data
        start = int(m.group(1))
        end = min(int(m.group(2)) if m.group(2) else len(data) - 1, len(data) - 1)
        if start > end:
            return 416, {"Content-Range": f"bytes */{len(data)}"}, b""
        return 206, {"Content-Type": "application/octet-stream",
                     "Content-Range": f"bytes {start}-{end}/{len(data)}"}, data[start:end + 1]


class Throttle:
    """A TCP forwarder on 127.0.0.1 to target (a Registry or "host:port")
    that sends the target's replies at most `rate` bytes per second per
    connection (None: full speed; may be changed while running).

    On loopback a registry sends a layer faster than a test can kill it; through
    a Throttle a pull takes long enough to be killed in the middle (kill the
    Registry behind it: the forwarder then drops the client too) or to watch
    its progress display. The target's own socket buffers still hold up to
    ~4 MB when it dies, so a layer meant to be cut must be larger (8 MB or
    more: random_layer). TLS passes through untouched. .host, .url (scheme of
    the target), stop(); a context manager.
    """

    CHUNK = 16 << 10

    def __init__(self, target, rate):
        if isinstance(target, Registry):
            self.target, scheme = target.host, target.url.split(":", 1)[0]
        else:
            self.target, scheme = target, "http"
        self.rate = rate
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"{scheme}://{self.host}"
        self._conns = []
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                host, port = self.target.rsplit(":", 1)
                upstream = socket.socket()
                # A small window, so that little of a reply sits in this
                # forwarder's buffers when the target dies.
                upstream.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)
                upstream.connect((host, int(port)))
            except OSError:
                upstream.close()
                client.close()
                continue
            upstream.settimeout(None)
            self._conns += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, src, dst, throttled):
        """Copies src to dst until src ends (passed on as a half-close) or
        fails (both sockets dropped, as a crash looks to the client)."""
        sent, began = 0, time.monotonic()
        how = socket.SHUT_WR
        try:
            while data := src.recv(self.CHUNK):
                dst.sendall(data)
                sent += len(data)
                if throttled and self.rate:
                    ahead = sent / self.rate - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)
        except OSError:
            how = socket.SHUT_RDWR
        for sock in (dst,) if how == socket.SHUT_WR else (src, dst):
            try:
                sock.shutdown(how)
            except OSError:
                pass

    def stop(self):
        self._stopped = True
        self._listener.close()
        for sock in self._conns:
            sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------------------ HTTP client

def http_request(method, url, body=None, headers=None, cafile=None, timeout=30):
    """One HTTP(S) request without redirects: (status, {lowercase header: value}, body).
    HTTPS verifies against cafile when given, else the system roots."""
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=cafile)
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = u.path + ("?" + u.query if u.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


class RegistryError(Exception):
    def __init__(self, what, status, body):
        super().__init__(f"{what}: HTTP {status}: {body[:500]!r}")
        self.status, self.body = status, body


def parse_challenge(header):
    """'Bearer realm="..",service="..",scope=".."' -> ("bearer", {params})."""
    scheme, _, rest = (header or "").strip().partition(" ")
    return scheme.lower(), dict(re.findall(r'(\w+)="([^"]*)"', rest))


class RegistryClient:
    """Distribution API calls with anonymous, Basic or Bearer-token auth.

    target: a Registry fixture or a base URL; auth: (user, password) or None.
    A 401 is answered once per request: Basic credentials, or a token fetched
    from the challenge's realm for its service and scope (cached per scope).
    """

    def __init__(self, target, auth=None, cafile=None):
        if isinstance(target, Registry):
            self.base, cafile = target.url, cafile or target.ca_cert
        else:
            self.base = target.rstrip("/")
        self.auth, self.cafile = auth, cafile
        self._tokens = {}
        self._basic = False

    def request(self, method, path_or_url, body=None, headers=None, ok=(200,)):
        """(status, headers, body); raises RegistryError unless status in ok."""
        url = urllib.parse.urljoin(self.base + "/", path_or_url)
        headers = dict(headers or {})
        status, rh, data = self._send(method, url, body, headers, None)
        if status == 401:
            authz = self._authorization(rh.get("www-authenticate"))
            if authz:
                status, rh, data = self._send(method, url, body, headers, authz)
        if status not in ok:
            raise RegistryError(f"{method} {url}", status, data)
        return status, rh, data

    def _send(self, method, url, body, headers, authz):
        h = dict(headers)
        if authz is None and self._basic and self.auth:
            authz = self._basic_header()
        if authz:
            h["Authorization"] = authz
        return http_request(method, url, body, h, self.cafile)

    def _basic_header(self):
        return "Basic " + base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()

    def _authorization(self, challenge):
        scheme, params = parse_challenge(challenge)
        if scheme == "basic" and self.auth:
            self._basic = True
            return self._basic_header()
        if scheme != "bearer":
            return None
        scope = params.get("scope", "")
        if scope not in self._tokens:
            self._tokens[scope] = self.fetch_token(params["realm"], params.get("service"), scope)
        return "Bearer " + self._tokens[scope]

    def fetch_token(self, realm, service, scope):
        """GET realm?service=&scope= with Basic credentials when set; the token."""
        q = [(k, v) for k, v in (("service", service), ("scope", scope)) if v]
        h = {"Authorization": self._basic_header()} if self.auth else {}
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(q)
        status, _, data = http_request("GET", url, headers=h, cafile=self.cafile)
        if status != 200:
            raise RegistryError(f"token from {realm}", status, data)
        reply = json.loads(data)
        return reply.get("token") or reply["access_token"]

    # -- the distribution API

    def blob_exists(self, repo, digest):
        status, _, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", ok=(200, 404))
        return status == 200

    def push_blob(self, repo, data):
        """Uploads data (POST then monolithic PUT) unless present; returns its digest."""
        digest = sha256_digest(data)
        if self.blob_exists(repo, digest):
            return digest
        _, h, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/", ok=(202,))
        loc = urllib.parse.urljoin(self.base + "/", h["location"])
        loc += ("&" if "?" in loc else "?") + urllib.parse.urlencode({"digest": digest})
        self.request("PUT", loc, data, {"Content-Type": "application/octet-stream"}, ok=(201,))
        return digest

    def put_manifest(self, repo, ref, body, media_type):
        """PUTs a manifest under a tag or digest; returns the registry's digest
        (checked to be the sha256 of body)."""
        _, h, _ = self.request("PUT", f"/v2/{repo}/manifests/{ref}", body,
                               {"Content-Type": media_type}, ok=(201,))
        digest = sha256_digest(body)
        if h.get("docker-content-digest", digest) != digest:
            raise RegistryError("manifest digest differs", 201, h["docker-content-digest"].encode())
        return digest

    def get_manifest(self, repo, ref, accept=ALL_MANIFESTS):
        """(body, content type, Docker-Content-Digest header)."""
        _, h, data = self.request("GET", f"/v2/{repo}/manifests/{ref}", headers={"Accept": accept})
        return data, h.get("content-type"), h.get("docker-content-digest")

    def get_blob(self, repo, digest):
        """A blob's bytes (follows one redirect, without credentials)."""
        status, h, data = self.request("GET", f"/v2/{repo}/blobs/{digest}", ok=(200, 307))
        if status == 307:
            status, h, data = http_request("GET", h["location"], cafile=self.cafile)
        return data


# ------------------------------------------------------------------ pushing images

def gzip_layer(tar):
    """Deterministic gzip of an uncompressed tar (mtime 0, no name, level 6)."""
    return gzip.compress(tar, compresslevel=6, mtime=0)


def image_config(diff_ids, os_name="linux", arch=None, variant=None, cmd=("sh",)):
    """A minimal image config for these diff ids (bytes, canonical JSON)."""
    cfg = {"architecture": arch or host_arch(), "os": os_name,
           "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                      "Cmd": list(cmd)},
           "created": "2024-01-01T00:00:00Z",
           "history": [{"created": "2024-01-01T00:00:00Z",
                        "created_by": f"berth-test layer {i}"} for i in range(len(diff_ids))],
           "rootfs": {"type": "layers", "diff_ids": list(diff_ids)}}
    if variant:
        cfg["variant"] = variant
    return json.dumps(cfg, sort_keys=True, separators=(",", ":")).encode()


def push_image(registry, repo, tag, layers, config=None, auth=None, media="docker",
               platform=None, foreign_urls=None):
    """Pushes an image built from uncompressed layer tars (bytes) to registry
    (a Registry fixture, base URL or RegistryClient) as repo:tag.

    Layers are gzipped deterministically (gzip_layer). config: bytes, a dict
    (serialized as given) or None for image_config(diff ids, platform).
    platform: "os/arch[/variant]" for the generated config (default
    linux/<this machine>). media: "docker" (schema2) or "oci". auth: (user,
    password). foreign_urls: {layer index: [url, ...]} makes those layers
    foreign (non-distributable): listed with `urls` and a foreign media type,
    never uploaded (serve their "layer_blobs" yourself, e.g. with FileServer).
    Returns {"digest" (manifest), "manifest" (bytes), "media_type", "size",
    "config_digest" (the image ID), "config" (bytes), "layers" (compressed
    digests), "layer_blobs" (gzip bytes), "diff_ids"}.
    """
    types = MEDIA[media]
    foreign_urls = foreign_urls or {}
    client = registry if isinstance(registry, RegistryClient) else RegistryClient(registry, auth)
    blobs = [gzip_layer(t) for t in layers]
    diff_ids = [sha256_digest(t) for t in layers]
    if config is None:
        os_name, arch, variant = (platform.split("/") + [None, None])[:3] if platform else (
            "linux", None, None)
        config = image_config(diff_ids, os_name, arch, variant)
    elif isinstance(config, dict):
        config = json.dumps(config).encode()
    descriptors = []
    for i, blob in enumerate(blobs):
        d = {"mediaType": types["layer"], "size": len(blob)}
        if i in foreign_urls:
            d.update(mediaType=types["foreign"], digest=sha256_digest(blob),
                     urls=list(foreign_urls[i]))
        else:
            d["digest"] = client.push_blob(repo, blob)
        descriptors.append(d)
    config_digest = client.push_blob(repo, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": types["manifest"],
        "config": {"mediaType": types["config"], "size": len(config), "digest": config_digest},
        "layers": descriptors,
    }, indent=3).encode()
    digest = client.put_manifest(repo, tag, manifest, types["manifest"])
    return {"digest": digest, "manifest": manifest, "media_type": types["manifest"],
            "size": len(manifest), "config_digest": config_digest, "config": config,
            "layers": [d["digest"] for d in descriptors], "layer_blobs": blobs,
            "diff_ids": diff_ids}


def push_index(registry, repo, tag, manifests, auth=None, media="oci"):
    """Pushes a multi-platform index (media "oci": OCI image index; "docker":
    manifest list) as repo:tag. manifests: {"os/arch[/variant]": a push_image
    result, or a manifest digest already in repo}. Returns {"digest",
    "manifest" (bytes), "media_type", "size"}."""
    client = registry if isinstance(registry, RegistryClient) else RegistryClient(registry, auth)
    entries = []
    for plat, m in manifests.items():
        if isinstance(m, dict):
            mtype, size, digest = m["media_type"], m["size"], m["digest"]
        else:
            _, h, _ = client.request("HEAD", f"/v2/{repo}/manifests/{m}",
                                     headers={"Accept": ALL_MANIFESTS})
            mtype, size, digest = h["content-type"], int(h["content-length"]), m
        os_name, arch, *variant = plat.split("/")
        p = {"architecture": arch, "os": os_name}
        if variant:
            p["variant"] = variant[0]
        entries.append({"mediaType": mtype, "size": size, "digest": digest, "platform": p})
    mtype = MEDIA[media]["index"]
    body = json.dumps({"schemaVersion": 2, "mediaType": mtype, "manifests": entries},
                      indent=3).encode()
    digest = client.put_manifest(repo, tag, body, mtype)
    return {"digest": digest, "manifest": body, "media_type": mtype, "size": len(body)}


FIXED_MTIME = 1700000000


def busybox_layer(tmpdir=None):
    """An uncompressed tar of a runnable busybox root filesystem (berthtest's
    busybox_rootfs + tar_dir), with every mtime fixed so the bytes, and so the
    digests, are the same on every call on this machine."""
    with tempfile.TemporaryDirectory(prefix="busybox-layer-", dir=tmpdir) as d:
        rootfs = berthtest.busybox_rootfs(os.path.join(d, "rootfs"))
        for dirpath, dirnames, filenames in os.walk(rootfs):
            for name in dirnames + filenames:
                os.utime(os.path.join(dirpath, name), (FIXED_MTIME, FIXED_MTIME),
                         follow_symlinks=False)
        os.utime(rootfs, (FIXED_MTIME, FIXED_MTIME))
        with open(berthtest.tar_dir(rootfs, os.path.join(d, "layer.tar")), "rb") as f:
            return f.read()


def file_layer(files):
    """An uncompressed tar of regular files {path: bytes} (mode 0644, fixed
    mtime): small extra layers for tests."""
    entries = []
    for name, data in sorted(files.items()):
        info = tarfile.TarInfo(name)
        info.mode, info.mtime = 0o644, FIXED_MTIME
        entries.append((info, data))
    return berthtest.tar_bytes(entries)


def random_layer(size, seed=0, name="random.bin"):
    """An uncompressed tar holding one file of `size` incompressible bytes
    (the same for the same seed): a layer big enough to kill a registry in
    the middle of sending it."""
    return file_layer({name: random.Random(seed).randbytes(size)})
