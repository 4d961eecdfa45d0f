"""Log every refusal and every override: to syslog (the journal) through /dev/log, or, where no
syslog socket exists (a chroot, a container without a log daemon), to /var/log/pyguard.log.

One line each: the event, the user (SUDO_USER under sudo), uid, the command as typed, the
decision code and reason, the pip it concerns and the working directory.
"""

from __future__ import annotations

import os
import shlex
import stat
import time

DEV_LOG = "/dev/log"
LOG_FILE = "/var/log/pyguard.log"
LOG_FILE_ENV = "PYGUARD_LOG_FILE"  # the fallback file only: it never replaces syslog
IDENT = "pyguard"


def user_name(env=None) -> str:
    env = os.environ if env is None else env
    sudo_user = env.get("SUDO_USER")
    if sudo_user:
        return sudo_user
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def message(event: str, decision, prog: str, argv, real: str, env=None) -> str:
    from ..render.escape import printable  # a user's directory name may hold a newline

    command = shlex.join([*prog.split(), *argv])
    return (f"{event}: user={printable(user_name(env))} uid={os.getuid()} command={command!r} "
            f"decision={decision.code} reason={decision.why!r} pip={printable(real or '-')} "
            f"cwd={printable(os.getcwd())}")


def _has_syslog_socket(path: str = DEV_LOG) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def log_decision(event: str, decision, prog: str, argv, real: str) -> str:
    """Log one line; returns where it went ("syslog" or the file's path)."""
    text = message(event, decision, prog, argv, real)
    if _has_syslog_socket(DEV_LOG):
        import syslog
        syslog.openlog(IDENT, syslog.LOG_PID, syslog.LOG_AUTHPRIV)
        syslog.syslog(syslog.LOG_WARNING if event == "override" else syslog.LOG_NOTICE, text)
        syslog.closelog()
        return "syslog"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    path = os.environ.get(LOG_FILE_ENV) or LOG_FILE
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as f:
        f.write(f"{stamp} {IDENT}[{os.getpid()}]: {text}\n")
    return path
