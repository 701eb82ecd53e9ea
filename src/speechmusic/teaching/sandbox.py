"""Start a submission's Jupyter kernel in a sandbox: ``python -m speechmusic.teaching.sandbox [limits] -- CMD...``.

The grader's worker names this module in the kernel spec it starts kernels from; it runs as the
kernel's launcher, sets the sandbox up and then becomes (``exec``) the kernel command.

Always (any POSIX system):

* resource limits: address space (``--memory``), CPU seconds (``--cpu``), size of any one file
  written (``--file-size``), no core files;
* the kernel's own home and working folder, and its standard output and error sent to
  ``/dev/null`` (what a notebook prints reaches the grader only through Jupyter's messages, which
  the worker caps).

On Linux, when the kernel allows unprivileged user namespaces (or the grader runs as root), also:

* new user, mount, PID, network and IPC namespaces: inside, the kernel runs as an unprivileged user
  (uid 1000; outside it is the grader's own uid, or ``nobody`` when the grader is root) without any
  capability, sees only its own processes (it is PID 1: when it ends, every process it started
  ends with it), and has no network but its own loopback;
* ``--processes``: at most that many processes and threads (counted in its own user namespace);
* the whole file system read-only, except a fresh ``tmpfs`` of ``--disk`` bytes on ``/tmp`` (its
  home and working folder are there), a small one on ``/dev/shm``, and the ``--exchange`` folder
  (where the kernel's sockets and the grader's connection live); ``--hide`` paths (the other
  submissions of the batch) read as empty files, and the folders holding the grader's other work
  folders are not visible (they are under the new ``/tmp``, or ``--hide-dir``).

What was possible is written to ``<exchange>/sandbox.json`` for the grader to report.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import os
import resource
import shutil
import signal
import sys
from pathlib import Path

#: The uid and gid the kernel has inside its user namespace.
INSIDE_ID = 1000
#: The uid the sandbox maps to outside when the grader runs as root ("nobody").
NOBODY = 65534
SHM_BYTES = 64 << 20

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
_CLONE_NEWNET, _CLONE_NEWIPC = 0x40000000, 0x08000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND = 1, 2, 4, 8, 32, 4096
_MS_REC, _MS_PRIVATE = 0x4000, 1 << 18
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_PR_SET_PDEATHSIG = 1
_SYS_MOUNT_SETATTR = {"x86_64": 442, "aarch64": 442}  # the same number on both (asm-generic)
_AT_FDCWD, _AT_RECURSIVE, _MOUNT_ATTR_RDONLY = -100, 0x8000, 1


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _mount(libc, source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(libc.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                      flags, data.encode() if data else None), f"mount {target}")


def _read_only_everywhere(libc) -> None:
    """Make every mount read-only in this mount namespace (mount_setattr, or one remount per mount point)."""
    number = _SYS_MOUNT_SETATTR.get(os.uname().machine)
    if number is not None:
        attr = _MountAttr(_MOUNT_ATTR_RDONLY, 0, 0, 0)
        if libc.syscall(number, _AT_FDCWD, b"/", _AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr)) == 0:
            return
        if ctypes.get_errno() not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(ctypes.get_errno(), "mount_setattr: " + os.strerror(ctypes.get_errno()))
    kept = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC, "noatime": _MS_NOATIME,
            "nodiratime": _MS_NODIRATIME, "relatime": _MS_RELATIME}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point, options = fields[4].encode().decode("unicode_escape"), fields[5].split(",")
        flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY
        for option in options:
            flags |= kept.get(option, 0)
        try:
            _mount(libc, None, point, None, flags)
        except OSError:
            continue  # a mount we may not change (it was read-only already or is locked): leave it


def _writable(libc, path: str) -> None:
    """Make the bind mount at ``path`` writable again (a bind mount copies the read-only flag of its source)."""
    number = _SYS_MOUNT_SETATTR.get(os.uname().machine)
    if number is not None:
        attr = _MountAttr(0, _MOUNT_ATTR_RDONLY, 0, 0)
        if libc.syscall(number, _AT_FDCWD, path.encode(), 0, ctypes.byref(attr), ctypes.sizeof(attr)) == 0:
            return
    _mount(libc, None, path, None, _MS_BIND | _MS_REMOUNT)


def _limits(args) -> list[str]:
    """Set the resource limits of this process (inherited by the kernel); what could not be set."""
    missed = []
    wanted = [(resource.RLIMIT_AS, args.memory), (resource.RLIMIT_CPU, args.cpu), (resource.RLIMIT_FSIZE, args.file_size),
              (resource.RLIMIT_CORE, 0)]
    if args.processes and args.namespaces_ok:
        wanted.append((resource.RLIMIT_NPROC, args.processes))
    for which, value in wanted:
        if value is None:
            continue
        try:
            _, hard = resource.getrlimit(which)
            value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
            extra = 5 if which == resource.RLIMIT_CPU else 0  # SIGXCPU at the soft limit, SIGKILL at the hard
            # The hard limit too: a process may raise its soft limit up to the hard one by itself.
            top = value + extra if hard == resource.RLIM_INFINITY else min(value + extra, hard)
            resource.setrlimit(which, (value, top))
        except (ValueError, OSError):
            missed.append(str(which))
    return missed


def _report(exchange: Path, values: dict) -> None:
    path = exchange / "sandbox.json"
    tmp = exchange / "sandbox.json.part"
    tmp.write_text(json.dumps(values), encoding="utf-8")
    os.replace(tmp, path)


def _own_home(root: Path) -> dict[str, str]:
    home, work, temporary = root / "home", root / "work", root / "tmp"
    for folder in (home, work, temporary):
        folder.mkdir(parents=True, exist_ok=True)
    os.chdir(work)
    return {"HOME": str(home), "TMPDIR": str(temporary), "IPYTHONDIR": str(home / ".ipython"),
            "MPLCONFIGDIR": str(home / ".config" / "matplotlib"), "JUPYTER_RUNTIME_DIR": str(home / ".jupyter-runtime")}


def _open_log() -> int:
    """Where the kernel's fds 1 and 2 go: /dev/null (what it prints reaches the grader through Jupyter only).

    ``SPEECHMUSIC_SANDBOX_LOG=FILE`` sends them to FILE instead (to see why a kernel does not start);
    opened here, before the sandbox hides the file system.
    """
    log = os.environ.get("SPEECHMUSIC_SANDBOX_LOG")
    return os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666) if log else os.open(os.devnull, os.O_WRONLY)


def _quiet_standard_streams(fd: int) -> None:
    os.dup2(fd, 1)
    os.dup2(fd, 2)


def _exec(command: list[str], env: dict[str, str]) -> None:
    os.execvpe(command[0], command, {**os.environ, **env})


def _needed_paths(args, command: list[str]) -> list[Path]:
    """Folders the kernel must read: the interpreter's, the import path's, the data's and those named ``--need``."""
    here = os.getcwd()  # "python -m" puts the working folder (the grader's work folder) on sys.path: not needed
    entries = [entry for entry in sys.path if entry and os.path.abspath(entry) != here]
    candidates = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(command[0])), *entries,
                  *os.environ.get("PYTHONPATH", "").split(os.pathsep), *(args.need or ())]
    found: list[Path] = []
    for candidate in candidates:
        if candidate and os.path.isdir(candidate):
            path = Path(os.path.realpath(candidate))
            if path != Path("/") and path not in found:
                found.append(path)
    return found


def _blocking_ancestors(paths: list[Path]) -> list[Path]:
    """Folders on the way to ``paths`` that others may not traverse ("nobody" could not reach what is below)."""
    blocked: list[Path] = []
    for path in paths:
        for ancestor in reversed(path.parents[:-1]):  # from the top down, "/" excluded
            try:
                if not os.stat(ancestor).st_mode & 0o001:
                    if ancestor not in blocked:
                        blocked.append(ancestor)
                    break
            except OSError:
                break
    return blocked


def _in_namespaces(args, command: list[str]) -> int:
    """Run ``command`` in new namespaces; returns its exit status (raises OSError when they cannot be made)."""
    libc = _libc()
    exchange = Path(args.exchange).resolve()
    needed = [exchange, *_needed_paths(args, command)]
    private = [path for path in needed[1:] if os.stat(path).st_mode & 0o005 != 0o005]
    # As root, the kernel is "nobody" outside, unless a folder it must read is closed to others: it is
    # then root outside (still without any capability, in a read-only file system; but root's
    # processes are not counted, so --processes cannot hold; sandbox.json says so).
    nobody = os.geteuid() == 0 and not private
    outer_uid, outer_gid = (NOBODY, NOBODY) if nobody else (os.geteuid(), os.getegid())
    args.private = [str(path) for path in private] if os.geteuid() == 0 else []
    if nobody:  # the kernel must reach its connection and sockets
        for path in (exchange, *exchange.iterdir()):
            os.chown(path, outer_uid, outer_gid)
    blocked = _blocking_ancestors(needed) if nobody else []
    ready_read, ready_write = os.pipe()
    go_read, go_write = os.pipe()
    child = os.fork()
    if child == 0:  # C: the namespaces' first process
        try:
            os.close(ready_read)
            os.close(go_write)
            try:
                _check(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC),
                       "unshare")
            except OSError as error:
                os.write(ready_write, b"E" + str(error).encode()[:400])
                os._exit(97)
            os.write(ready_write, b"u")
            if os.read(go_read, 1) != b"g":
                os._exit(97)
            # Opened in the new mount namespace (a bind mount's source must be in it) and before the
            # change of user, while every path can still be walked: bound again further down, where
            # /tmp is new and folders "nobody" may not traverse (a Python under /root) are empty ones.
            handles = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in needed]
            os.setresgid(INSIDE_ID, INSIDE_ID, INSIDE_ID)
            os.setresuid(INSIDE_ID, INSIDE_ID, INSIDE_ID)
            try:
                hidden = _build_file_system(args, libc, handles, blocked)
            except BaseException as error:  # noqa: BLE001 - a system that refuses a mount: no namespaces, then
                os.write(ready_write, b"E" + f"the sandbox's file system could not be made ({error})".encode()[:400])
                os._exit(96)
            os.write(ready_write, b"k")
            os._exit(_start_kernel(args, libc, needed[0], command, outer_uid, hidden))
        except BaseException as error:  # noqa: BLE001 - a child must never return into the parent's code
            try:
                os.write(2, f"sandbox: {error}\n".encode())
            finally:
                os._exit(98)
    os.close(ready_write)
    os.close(go_read)
    answer = os.read(ready_read, 512)
    if not answer.startswith(b"u"):
        os.waitpid(child, 0)
        raise OSError(errno.EPERM, answer[1:].decode(errors="replace") or "the sandbox process could not start")
    try:
        for name, text in (("setgroups", "deny"), ("gid_map", f"{INSIDE_ID} {outer_gid} 1\n"),
                           ("uid_map", f"{INSIDE_ID} {outer_uid} 1\n")):
            with open(f"/proc/{child}/{name}", "w") as file:
                file.write(text)
    except OSError as error:  # user namespaces allowed, but not their mappings (some security modules)
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        raise OSError(error.errno, f"the user namespace's mapping was refused ({error.strerror})") from None
    os.write(go_write, b"g")
    # The file system is made before the kernel starts: a refusal there still leaves the limits-only way.
    answer = os.read(ready_read, 512)
    if not answer.startswith(b"k"):
        os.waitpid(child, 0)
        raise OSError(errno.EPERM, answer[1:].decode(errors="replace") or "the sandbox process stopped")
    return _wait(child)


def _under(path: Path, folders) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


# long: the sandbox's file system, one mount after the other, in the order they must be made.
def _build_file_system(args, libc, handles: list[tuple[Path, int]], blocked: list[Path]) -> int:
    """In C, inside the new namespaces (uid 1000, capabilities there until exec): the kernel's view of the
    files. Returns how many files were hidden."""
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing done here reaches the outside
    _read_only_everywhere(libc)
    _mount(libc, "tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={args.disk},mode=1777")
    _mount(libc, "tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={SHM_BYTES},mode=1777")
    if Path("/var/tmp").is_dir():
        Path("/tmp/var-tmp").mkdir(mode=0o1777)
        _mount(libc, "/tmp/var-tmp", "/var/tmp", None, _MS_BIND)
    replaced = [Path("/tmp")]
    for folder in [*map(Path, args.hide_dir or ()), *blocked]:  # the grader's other work folders; closed folders
        if folder.is_dir() and not _under(folder, replaced):
            _mount(libc, "tmpfs", str(folder), "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=755")
            replaced.append(folder)
    bound: list[Path] = []
    exchange = handles[0][0]
    for path, handle in sorted(handles, key=lambda item: len(item[0].parts)):
        # The exchange folder always gets its own mount: the one writable place outside the tmpfs.
        if path == exchange or _under(path, replaced) and not _under(path, bound):
            path.mkdir(parents=True, exist_ok=True)  # in the new, empty folder: then the real one on it
            _mount(libc, f"/proc/self/fd/{handle}", str(path), None, _MS_BIND)
            bound.append(path)
        if path == exchange:  # the kernel's sockets are made there
            _writable(libc, str(path))
        os.close(handle)
    empty = Path("/tmp/.hidden")
    empty.touch(mode=0o400)
    hidden = 0
    for path in args.hide or ():
        if Path(path).is_file():
            _mount(libc, str(empty), path, None, _MS_BIND)
            hidden += 1
    return hidden


def _start_kernel(args, libc, exchange: Path, command: list[str], outer_uid: int, hidden: int) -> int:
    """In C: start G, the kernel, as PID 1 of the new PID namespace, and wait for it; its exit status."""
    kernel = os.fork()
    if kernel == 0:  # G: PID 1 of the new PID namespace, becomes the kernel
        try:
            missed = []
            try:
                _mount(libc, "proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
            except OSError:  # a container with a masked /proc: the machine's stays (its processes cannot be signalled)
                missed.append("/proc of its own (the machine's /proc lists other processes)")
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            env = _own_home(Path("/tmp"))
            args.namespaces_ok = True
            missed += _limits(args)
            if outer_uid == 0:
                missed.append("RLIMIT_NPROC (root's processes are not counted; readable only by their owner: "
                              + ", ".join(args.private) + ")")
            _report(exchange, {"namespaces": True, "network": False, "uid_outside": outer_uid,
                               "hidden_files": hidden, "limits_not_set": missed})
            _quiet_standard_streams(args.log_fd)
            _exec(command, env)
        except BaseException as error:  # noqa: BLE001 - never return into C's code
            try:
                os.write(2, f"sandbox: {error}\n".encode())
            finally:
                os._exit(99)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return _wait(kernel)


def _wait(pid: int) -> int:
    """Wait for ``pid`` while ignoring the interrupts meant for the kernel; its exit status."""
    for name in ("SIGINT", "SIGTERM", "SIGQUIT"):
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status) if status >= 0 else 1
        except ChildProcessError:
            return 1
        except InterruptedError:
            continue


def _without_namespaces(args, command: list[str], reason: str) -> None:
    exchange = Path(args.exchange)
    env = _own_home(Path(args.home))
    args.namespaces_ok = False
    missed = _limits(args)
    _report(exchange, {"namespaces": False, "network": True, "reason": reason, "limits_not_set": missed})
    _quiet_standard_streams(args.log_fd)
    _exec(command, env)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m speechmusic.teaching.sandbox",
                                     description="internal: start a graded notebook's kernel in a sandbox")
    parser.add_argument("--exchange", required=True, help="folder shared with the grader (connection, sockets)")
    parser.add_argument("--home", required=True, help="home and working folder when there are no namespaces")
    parser.add_argument("--memory", type=int, help="address-space limit, bytes")
    parser.add_argument("--cpu", type=int, help="CPU-time limit, seconds")
    parser.add_argument("--processes", type=int, help="processes and threads the kernel may have")
    parser.add_argument("--file-size", type=int, help="largest file the kernel may write, bytes")
    parser.add_argument("--disk", type=int, default=256 << 20, help="size of the kernel's /tmp, bytes")
    parser.add_argument("--hide", action="append", help="a file the kernel must not read (repeatable)")
    parser.add_argument("--hide-dir", action="append", help="a folder the kernel must not see (repeatable)")
    parser.add_argument("--need", action="append", help="a folder the kernel must read (repeatable; the data, the lab)")
    parser.add_argument("--no-namespaces", action="store_true", help="limits only (for comparison and tests)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the kernel's command")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("sandbox: no command after --", file=sys.stderr)
        return 2
    args.log_fd = _open_log()
    found = shutil.which(command[0])  # before the working folder changes
    command = [os.path.abspath(found) if found else command[0], *command[1:]]
    if args.no_namespaces or not sys.platform.startswith("linux"):
        _without_namespaces(args, command, "turned off" if args.no_namespaces else f"not Linux ({sys.platform})")
    try:
        status = _in_namespaces(args, command)
    except OSError as error:
        _without_namespaces(args, command, f"namespaces not available here: {error.strerror or error}")
    _quiet_standard_streams(args.log_fd)
    return status


if __name__ == "__main__":
    sys.exit(main())
