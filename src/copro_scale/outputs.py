"""Output folders that copro owns: written whole or not at all, and never through a link.

Every command that writes a folder (``copro report``, ``copro validate``, ``copro demo``) writes
it through :func:`write_folder`:

1. **Ownership.** A folder copro wrote holds a marker file, :data:`MARKER`. An existing folder
   that is not empty and has no marker is refused: copro never mixes its files with someone
   else's, and never deletes them.
2. **Whole or nothing.** The run writes into a new, private (mode 700) sibling folder. Only when
   every file is written is the new folder swapped in for the old one, in one atomic step
   (``renameat2(RENAME_EXCHANGE)`` on Linux). A failure, Ctrl-C or SIGKILL before then leaves the
   previous output exactly as it was; the half-written sibling is cleared by the next run.
   After the swap nothing of the previous run is left: pages of teams no longer present go.
3. **No link is followed.** The output path itself may not be a symbolic link, and the new
   folder is created empty by copro, so links planted in the old folder (``teams/x.html``,
   ``summary.csv``, ``teams -> ../outside``) are never written through: they go with the old
   folder. Before the swap the new folder is checked to hold no link at all.
4. **One run at a time.** A lock (``fcntl.flock`` on the sibling file ``.<name>.copro-lock``)
   makes a second run into the same folder stop at once with a one-line error instead of
   interleaving with the first.

A path that is a file, a device such as ``/dev/null``, or in a folder that cannot be written gives
one :class:`~copro_scale.errors.CoproError` line.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .errors import CoproError

#: The file that says a folder is copro's (JSON: tool, kind, version, time written).
MARKER = ".copro-output"
_STAGING = ".copro-new-"
_OLD = ".copro-old-"
T = TypeVar("T")


def write_folder(out: str | Path, kind: str, write: Callable[[Path], T]) -> T:
    """Run ``write(folder)`` into a fresh private folder and swap it in for ``out`` when done.

    Parameters
    ----------
    out : path
        The output folder. New, empty, or one that copro wrote before (it holds
        :data:`MARKER`); it is replaced as a whole.
    kind : str
        What the folder holds (``"report"``, ``"validation"``, ``"demo"``...), written into the
        marker.
    write : callable
        Writes every file into the folder it is given and returns what it wrote. Paths inside
        its return value (also in dicts, lists and tuples) are moved to ``out``.

    Returns
    -------
    What ``write`` returned, with its paths under ``out``.

    Raises
    ------
    CoproError
        One line, naming ``out``: a file or device, a link, a folder copro does not own,
        another run writing it, or no permission.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "reports"
    >>> write_folder(out, "report", lambda d: (d / "a.txt").write_text("1"))
    1
    >>> write_folder(out, "report", lambda d: (d / "b.txt").write_text("2"))  # a.txt goes
    1
    >>> sorted(p.name for p in out.iterdir())
    ['.copro-output', 'b.txt']
    """
    out = Path(os.path.abspath(out))
    _check_target(out)  # before the lock file is made beside it (not in /dev for /dev/null)
    with _locked(out):
        _check_target(out)
        _clear_leftovers(out)
        staging = _new_staging(out)
        try:
            result = write(staging)
            _mark(staging, kind)
            _check_no_links(staging)
            _publish(staging, out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return _relocate(result, staging, out)


def is_copro_folder(path: str | Path) -> bool:
    """Whether ``path`` is a real folder (not a link) that holds copro's marker."""
    path = Path(path)
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode) and stat.S_ISREG(os.lstat(path / MARKER).st_mode)
    except OSError:
        return False


# -- steps ---------------------------------------------------------------------------------------
def _fail(out: Path, message: str) -> CoproError:
    return CoproError(message, file=out)


def _parent(out: Path) -> Path:
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise _fail(out, f"cannot create the output folder: {parent} is not a folder") from None
    except OSError as exc:
        raise _fail(out, f"cannot create the output folder ({exc.strerror})") from None
    if not parent.is_dir():
        raise _fail(out, f"cannot create the output folder: {parent} is not a folder")
    return parent


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    lock = _parent(out) / f".{out.name}.copro-lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _fail(out, "cannot write the output folder here "
                    f"({exc.strerror or exc}: {lock.name})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _fail(out, "another copro run is writing this folder; wait for it to finish "
                        "or choose another folder") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _check_target(out: Path) -> None:
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _fail(out, f"cannot use this output folder ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise _fail(out, "is a symbolic link; copro writes only into a real folder it owns")
    if not stat.S_ISDIR(st.st_mode):
        what = "file" if stat.S_ISREG(st.st_mode) else "device or special file"
        raise _fail(out, f"is a {what}, not a folder; give a new or empty folder")
    try:
        empty = next(os.scandir(out), None) is None
    except OSError as exc:
        raise _fail(out, f"cannot read this output folder ({exc.strerror})") from None
    if not empty and not is_copro_folder(out):
        raise _fail(out, f"is not empty and was not written by copro (no {MARKER} marker); "
                    "give a new or empty folder, so that no one else's files are replaced")


def _clear_leftovers(out: Path) -> None:
    """Restore or remove what a killed run left beside ``out`` (we hold the lock)."""
    olds = sorted(out.parent.glob(f".{glob.escape(out.name)}{_OLD}*"))
    if olds and not os.path.lexists(out) and is_copro_folder(olds[-1]):
        os.rename(olds[-1], out)  # killed between the two renames of the fallback swap
    for prefix in (_STAGING, _OLD):
        for p in out.parent.glob(f".{glob.escape(out.name)}{prefix}*"):
            if stat.S_ISDIR(os.lstat(p).st_mode):  # never a link: rmtree refuses them anyway
                shutil.rmtree(p, ignore_errors=True)


def _new_staging(out: Path) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}{_STAGING}", dir=out.parent))
    except OSError as exc:
        raise _fail(out, f"cannot write the output folder here ({exc.strerror})") from None


def _mark(folder: Path, kind: str) -> None:
    marker = {"tool": "copro-scale", "version": __version__, "kind": kind,
              "written": datetime.now(UTC).isoformat(timespec="seconds")}
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(marker, indent=2) + "\n")


def _check_no_links(folder: Path) -> None:
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            if os.path.islink(os.path.join(root, name)):
                raise CoproError("a symbolic link appeared in the folder being written; nothing "
                                 "was published", file=os.path.join(root, name))


def _publish(staging: Path, out: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp made it private while it was being written
    if not os.path.lexists(out):
        os.rename(staging, out)
        _fsync_dir(out.parent)
        return
    if not _exchange(staging, out):  # no RENAME_EXCHANGE here: two renames, old kept till last
        old = staging.with_name(staging.name.replace(_STAGING, _OLD))
        os.rename(out, old)
        os.rename(staging, out)
        staging = old
    _fsync_dir(out.parent)
    shutil.rmtree(staging, ignore_errors=True)  # now the previous run's folder


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot."""
    # Python has no renameat2; RENAME_EXCHANGE swaps a non-empty folder in one step.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _relocate(value: Any, staging: Path, out: Path) -> Any:
    if isinstance(value, Path):
        try:
            return out / value.relative_to(staging)
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _relocate(v, staging, out) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_relocate(v, staging, out) for v in value)
    return value


#: Names of the standard streams, links that ``replaced_file`` writes through.
STREAMS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")


def _is_stream(path: Path) -> bool:
    """Whether ``path`` is a character device or a named pipe itself, or a standard stream.

    Renaming a file over such a path (as root, over ``/dev/null``) would replace the device;
    a link elsewhere stays a link to replace, so a planted link is never written through.
    """
    import stat

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    name = str(path)
    return stat.S_ISLNK(mode) and (name in STREAMS[:2] or name.startswith(STREAMS[2:]))


@contextmanager
def replaced_file(path: str | Path, *, encoding: str = "utf-8", newline: str | None = None):
    """Open a new file that takes the place of ``path`` only when the block ends without error.

    The text goes to a private temporary file in the same folder, which is then renamed over
    ``path`` (``os.replace``): a failure or kill leaves the previous file as it was, and a link
    planted at ``path`` is replaced, never written through.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> os.symlink(os.path.join(d, "victim.txt"), os.path.join(d, "out.csv"))
    >>> with replaced_file(os.path.join(d, "out.csv")) as fh:
    ...     _ = fh.write("a,b\\n")
    >>> os.path.islink(os.path.join(d, "out.csv")), os.path.exists(os.path.join(d, "victim.txt"))
    (False, False)
    """
    path = Path(path)
    if _is_stream(path):  # /dev/null, /dev/stdout, a named pipe: written to, never replaced
        try:
            with open(path, "w", encoding=encoding, newline=newline) as fh:
                yield fh
        except OSError as exc:
            raise CoproError(f"cannot write ({exc.strerror})", file=path) from None
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CoproError(f"cannot write ({exc.strerror})", file=path) from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except IsADirectoryError:
        raise CoproError("is a folder, not a file", file=path) from None
    except OSError as exc:
        raise CoproError(f"cannot write ({exc.strerror})", file=path) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
