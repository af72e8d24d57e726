"""A real Dovecot IMAP server, private to one test, started as a subprocess.

Why: the bot's IMAP code (IDLE, UIDVALIDITY changes, reconnects after an outage) can only be
trusted against a real server. Each DovecotServer writes its own config, passwd-file, maildirs,
runtime dir and log under one temporary directory and listens on 127.0.0.1 only, so it neither
needs nor touches the system Dovecot (whose packaged service may or may not be running).

Root and non-root both work:
- as root (CI), login processes run as `dovenull`, internal ones as `dovecot` (both created by
  the Debian package, falling back to `nobody`), and mail is owned by `nobody`, because Dovecot
  refuses mail access as UID 0 (passwd-file: "User ... has invalid UID '0'");
- as another user, everything runs as that user and chroots are turned off (Dovecot's
  "rootless" setup).
"""

from __future__ import annotations

import ctypes
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
DOVEADM_CANDIDATES = ("/usr/bin/doveadm", "/usr/local/bin/doveadm")


class DovecotError(RuntimeError):
    """Dovecot is missing, did not start, or did not stop; the message quotes its log."""


def find_binary(name: str, candidates: Iterable[str]) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return None


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


try:  # loaded here, not in the forked child, where dlopen could deadlock on a lock held by
    # another thread (aiosmtpd and http.server run threads in the same test process)
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _LIBC = None


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM Dovecot if the thread that started it dies,
    so a killed pytest leaves no server behind (Linux PR_SET_PDEATHSIG)."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)


def _account(*names: str) -> pwd.struct_passwd:
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise DovecotError(f"none of the users {names} exists")


class DovecotServer:
    """One private Dovecot: IMAP on 127.0.0.1:`port`, users from a passwd-file.

    `start()` waits until the server sends its IMAP greeting (which Dovecot holds back until
    its auth process is ready), so a login right after start() cannot race it. `stop()` is a
    graceful SIGTERM; the next `start()` reuses the same port, config and maildirs, which is how
    tests play a server outage.
    """

    def __init__(self, root: Path | str | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, user: str = "seller", password: str = "secret",
                 users: dict[str, str] | None = None, idle_notify_interval: int = 1,
                 startup_timeout: float = 15.0) -> None:
        binary = find_binary("dovecot", DOVECOT_CANDIDATES)
        if binary is None:
            raise DovecotError(
                "Dovecot is not installed (no `dovecot` on PATH or in /usr/sbin). The IMAP tests "
                "need a real server: run scripts/test, which installs it, or "
                "`apt-get install dovecot-imapd`.")
        self.binary = binary
        self.host = host
        self.port = port or _free_port(host)
        self.user = user
        self.password = password
        self.users: dict[str, str] = {user: password, **(users or {"other": "secret"})}
        self.idle_notify_interval = idle_notify_interval
        self.startup_timeout = startup_timeout
        # Unix socket paths must stay under 108 bytes, and pytest's tmp paths can be long and
        # are 0700 (mail processes do not run as root): keep our own short 0755 directory.
        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(
            tempfile.mkdtemp(prefix="sb-dovecot-", dir="/tmp"))
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        self.mail_dir = self.root / "mail"
        self.base_dir = self.root / "run"
        self.state_dir = self.root / "state"
        self.config_path = self.root / "dovecot.conf"
        self.passwd_path = self.root / "passwd"
        self.log_path = self.root / "dovecot.log"
        self.stderr_path = self.root / "dovecot.stderr"
        self._proc: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None  # exec to IMAP greeting, last start()
        self._stderr: object | None = None
        self._configure()

    # -- configuration --------------------------------------------------------------------
    def _configure(self) -> None:
        if os.geteuid() == 0:
            mail = _account("nobody")
            login_user = _account("dovenull", "nobody").pw_name
            internal = _account("dovecot", "nobody")
            internal_user = internal.pw_name
            rootless = ""
        else:
            mail = pwd.getpwuid(os.geteuid())
            login_user = internal_user = mail.pw_name
            internal = mail
            rootless = ("service anvil {\n  chroot =\n}\n"
                        "service imap-login {\n  chroot =\n}\n")
        self.mail_uid, self.mail_gid = mail.pw_uid, mail.pw_gid
        internal_group = grp.getgrgid(internal.pw_gid).gr_name
        for d in (self.mail_dir, self.state_dir):
            d.mkdir(exist_ok=True)
        os.chown(self.mail_dir, self.mail_uid, self.mail_gid)
        lines = [f"{name}:{{PLAIN}}{pw}:{self.mail_uid}:{self.mail_gid}::"
                 f"{self.mail_dir / name}::" for name, pw in self.users.items()]
        self.passwd_path.write_text("\n".join(lines) + "\n")
        os.chmod(self.passwd_path, 0o644)
        # Under libfaketime (scripts/test-faketime) Dovecot's children must keep the shifted
        # clock: Dovecot clears its children's environment, and a master that sees time
        # move back 400 days stops launching services for three minutes.
        faked = [name for name in os.environ if name.startswith("FAKETIME")]
        keep_faketime = ("import_environment = TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID "
                         "LISTEN_FDS LD_PRELOAD " + " ".join(faked) + "\n") if faked else ""
        self.config_path.write_text(f"""\
# Written by tests/dovecot.py for one test run; nothing here is read from /etc/dovecot.
protocols = imap
listen = {self.host}
instance_name = sellerbot-test-{self.port}
base_dir = {self.base_dir}
state_dir = {self.state_dir}
log_path = {self.log_path}
info_log_path = {self.log_path}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
default_internal_user = {internal_user}
default_login_user = {login_user}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 0
mail_location = maildir:{self.mail_dir}/%u
mail_max_userip_connections = 100
imap_idle_notify_interval = {self.idle_notify_interval} secs
mailbox_idle_check_interval = 1 secs
shutdown_clients = yes

namespace inbox {{
  inbox = yes
  separator = /
}}

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_path}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd_path}
}}

service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{rootless}{keep_faketime}""")

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> DovecotServer:
        """Start Dovecot in the foreground (-F) and wait for its IMAP greeting."""
        if self.running:
            return self
        started = time.monotonic()
        self._stderr = open(self.stderr_path, "ab")
        self._proc = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
            start_new_session=True, preexec_fn=_die_with_parent)
        deadline = started + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._close()
                raise DovecotError(f"dovecot exited with {code} while starting\n" + self.diagnostics())
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    s.settimeout(max(0.1, min(2.0, deadline - time.monotonic())))
                    greeting = s.recv(512)
                if greeting.startswith(b"* OK"):
                    self.startup_seconds = time.monotonic() - started
                    return self
                last_error = DovecotError(f"unexpected greeting {greeting!r}")
            except OSError as exc:  # refused until the listener is up; a timeout is bounded
                last_error = exc
            # Not ready: wait for the master to change state rather than spin. A short wait on
            # the process is the event we have (it returns at once if Dovecot dies).
            try:
                self._proc.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                pass
        self.stop()
        raise DovecotError(f"dovecot did not greet on {self.host}:{self.port} within "
                           f"{self.startup_timeout}s ({last_error})\n" + self.diagnostics())

    def stop(self, timeout: float = 10.0) -> None:
        """Shut Dovecot down: SIGTERM to its whole process group, SIGKILL if still there.

        Signalling only the master works too but takes a second more (it outwaits its log
        process); every process here ends the same way either way, imap processes included,
        so connected clients see the outage at once, as with a real server restart.
        """
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Nothing of this instance (master or a straggling child) may keep serving the old
        # mailbox while a test believes the server is down.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc.poll() is None:
            proc.wait(timeout=5)
        self._close()

    def _close(self) -> None:
        self._proc = None
        if self._stderr is not None:
            self._stderr.close()  # type: ignore[attr-defined]
            self._stderr = None

    def restart(self) -> DovecotServer:
        self.stop()
        return self.start()

    def cleanup(self) -> None:
        """Stop and, if we made the directory, remove it."""
        self.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.cleanup()

    def diagnostics(self, lines: int = 40) -> str:
        """The tail of Dovecot's log and stderr, for failure messages."""
        out = []
        for path in (self.stderr_path, self.log_path):
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path}\n" + "\n".join(tail))
        return "\n".join(out) or "(dovecot wrote no log)"

    # -- IMAP helpers ---------------------------------------------------------------------
    def client(self, user: str | None = None, password: str | None = None,
               timeout: float = 10.0) -> IMAPClient:
        """A new, logged-in IMAPClient (caller logs out). Defaults to the main user."""
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        user = user or self.user
        c.login(user, password if password is not None else self.users[user])
        return c

    def append(self, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = (),
               user: str | None = None) -> int | None:
        """APPEND `raw` to `folder` (created if missing); returns its UID (from APPENDUID)."""
        c = self.client(user)
        try:
            if folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            response = c.append(folder, raw, flags=tuple(flags))
            return _appenduid(response)
        finally:
            c.logout()

    def uidvalidity(self, folder: str = "INBOX", user: str | None = None) -> int:
        c = self.client(user)
        try:
            return int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            c.logout()

    def recreate_folder(self, folder: str, keep_messages: bool = True,
                        user: str | None = None) -> int:
        """Give `folder` a new UIDVALIDITY, as a server restored from backup would.

        Other folders: DELETE + CREATE, then (by default) the old messages are appended again,
        so they come back with new UIDs. INBOX cannot be deleted in IMAP, so its messages are
        expunged and re-appended and doveadm raises its UIDVALIDITY. Returns the new UIDVALIDITY.
        """
        user = user or self.user
        c = self.client(user)
        try:
            old = int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
            saved: list[tuple[bytes, tuple[bytes, ...], object]] = []
            c.select_folder(folder)
            if keep_messages:
                uids = c.search("ALL")
                if uids:
                    data = c.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
                    saved = [(data[u][b"BODY[]"], tuple(f for f in data[u][b"FLAGS"]
                                                         if f != b"\\Recent"),
                              data[u][b"INTERNALDATE"]) for u in sorted(data)]
            if folder.upper() == "INBOX":
                uids = c.search("ALL")
                if uids:
                    c.delete_messages(uids)
                    c.expunge()
                c.close_folder()
                self._doveadm("mailbox", "update", "-u", user, "--uid-validity",
                              str(max(old + 1, int(time.time()))), folder)
            else:
                c.close_folder()
                c.delete_folder(folder)
                c.create_folder(folder)
            for raw, flags, when in saved:
                c.append(folder, raw, flags=flags, msg_time=when)  # type: ignore[arg-type]
            new = int(c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])
        finally:
            c.logout()
        if new == old:
            raise DovecotError(f"UIDVALIDITY of {folder} stayed {old}")
        return new

    def _doveadm(self, *args: str) -> str:
        doveadm = find_binary("doveadm", DOVEADM_CANDIDATES)
        if doveadm is None:
            raise DovecotError("doveadm not found (it ships with dovecot-core)")
        done = subprocess.run([doveadm, "-c", str(self.config_path), *args],
                              capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise DovecotError(f"doveadm {' '.join(args)} failed ({done.returncode}): "
                               f"{done.stderr.strip()}")
        return done.stdout

    def add_user(self, name: str, password: str = "secret") -> None:
        """Add an account (passwd-file is re-read by Dovecot on change, no restart needed)."""
        self.users[name] = password
        with open(self.passwd_path, "a") as f:
            f.write(f"{name}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::"
                    f"{self.mail_dir / name}::\n")

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<DovecotServer {self.host}:{self.port} {state} root={self.root}>"


def _appenduid(response: bytes | str | None) -> int | None:
    """UID from an APPEND response such as b'[APPENDUID 1700000000 3] Append completed.'"""
    if not response:
        return None
    text = response.decode() if isinstance(response, bytes) else str(response)
    if "APPENDUID" not in text:
        return None
    try:
        return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])
    except (IndexError, ValueError):
        return None


__all__ = ["DovecotError", "DovecotServer", "find_binary"]
