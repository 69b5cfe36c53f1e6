"""Start N ranks of a training script on this machine, as ``horovodrun -np N`` does, with MPI.

    python -m tensorfluxo.launch -np 2 train.py [args...]
    python -m tensorfluxo.launch -np 2 -m package.module [args...]

Each rank runs ``python -m tensorfluxo.run ...``, so ``import horovod.tensorflow as hvd`` and
``import tensorflow as tf`` resolve to tensorfluxo. The ``mpirun`` of the MPI that
``pip install 'tensorfluxo[mpi]'`` installs is used (or the first on PATH); for several
machines, call ``mpirun -H host1,host2 -np N python -m tensorfluxo.run train.py`` yourself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

USAGE = "usage: python -m tensorfluxo.launch -np N script.py [args...] | -m module [args...]"


def find_mpirun() -> str:
    here = os.path.join(os.path.dirname(sys.executable), "mpirun")
    found = here if os.path.exists(here) else shutil.which("mpirun")
    if found is None:
        raise SystemExit("tensorfluxo.launch: no mpirun found. Install an MPI with "
                         "pip install 'tensorfluxo[mpi]' (mpi4py and Open MPI from PyPI).")
    return found


def command(n: int, program: list[str]) -> list[str]:
    # As horovodrun does: no binding. Open MPI binds each rank to one core by default, which
    # leaves a rank's BLAS threads (cores / local ranks) fighting over that single core.
    cmd = [find_mpirun(), "-np", str(n), "--bind-to", "none"]
    if n > (os.cpu_count() or 1):
        cmd.append("--oversubscribe")
    return cmd + [sys.executable, "-m", "tensorfluxo.run", *program]


def environment() -> dict:
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root unless told
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[0] not in ("-np", "-n", "--num-proc") or not argv[1].isdigit():
        print(USAGE, file=sys.stderr)
        return 2
    return subprocess.call(command(int(argv[1]), argv[2:]), env=environment())


if __name__ == "__main__":
    raise SystemExit(main())
