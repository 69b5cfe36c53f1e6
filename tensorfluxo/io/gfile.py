"""tf.io.gfile / tf.gfile on the local filesystem (TF's names, Python's file functions)."""

from __future__ import annotations

import glob as _glob
import os
import shutil

from ..framework import errors


def _path(p) -> str:
    return p.decode() if isinstance(p, bytes) else os.fspath(p)


class GFile:
    """``tf.io.gfile.GFile(path, mode)``: a file object (text unless the mode has 'b')."""

    def __init__(self, name, mode: str = "r"):
        self.name = _path(name)
        try:
            self._f = open(self.name, mode)  # noqa: SIM115 - closed by close()/__exit__
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, f"{self.name}; No such file or "
                                       "directory") from None

    def __getattr__(self, attr):
        return getattr(self._f, attr)

    def __iter__(self):
        return iter(self._f)

    def size(self) -> int:
        return os.path.getsize(self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()
        return False


Open = FastGFile = GFile


def exists(path) -> bool:
    return os.path.exists(_path(path))


def isdir(path) -> bool:
    return os.path.isdir(_path(path))


def listdir(path) -> list:
    p = _path(path)
    if not os.path.isdir(p):
        raise errors.NotFoundError(None, None, f"Could not find directory {p}")
    return sorted(os.listdir(p))


def glob(pattern) -> list:
    p = pattern if isinstance(pattern, (list, tuple)) else [pattern]
    return sorted(x for q in p for x in _glob.glob(_path(q)))


def makedirs(path) -> None:
    os.makedirs(_path(path), exist_ok=True)


def mkdir(path) -> None:
    os.mkdir(_path(path))


def remove(path) -> None:
    p = _path(path)
    if not os.path.exists(p):
        raise errors.NotFoundError(None, None, f"{p}; No such file or directory")
    os.remove(p)


def rmtree(path) -> None:
    shutil.rmtree(_path(path))


def rename(src, dst, overwrite: bool = False) -> None:
    s, d = _path(src), _path(dst)
    if os.path.exists(d) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{d} already exists")
    os.replace(s, d)


def copy(src, dst, overwrite: bool = False) -> None:
    s, d = _path(src), _path(dst)
    if os.path.exists(d) and not overwrite:
        raise errors.AlreadyExistsError(None, None, f"{d} already exists")
    shutil.copyfile(s, d)


def stat(path):
    return os.stat(_path(path))


def walk(top, topdown: bool = True, onerror=None):
    return os.walk(_path(top), topdown=topdown, onerror=onerror)


# TF1's tf.gfile spellings
Exists, IsDirectory, ListDirectory, Glob = exists, isdir, listdir, glob
MakeDirs, MkDir, Remove, DeleteRecursively, Rename, Copy, Stat, Walk = (
    makedirs, mkdir, remove, rmtree, rename, copy, stat, walk)
