"""Read a big file in a child process with a memory limit, so a file that needs gigabytes to read
fails its own import and nothing else.

A file of at most ``IN_PROCESS_MAX_BYTES`` to read (a CSV file's size, an Excel workbook's
unpacked size) is read where the import runs. A bigger one is read by ``IsolatedTable``: a child
Python process (this file, run as a script) opens it with ``readers.table_open`` and pickles the
chunks back over a pipe, with its address space capped (``RLIMIT_AS``) at what it holds once
started plus ``settings.IMPORT_READ_MEMORY_MB``. Checking the rows and writing them stay in the
importing process, as for a small file. The HR upload page sends files over the same size to
the task worker (``uploads``), so a big upload is read in a child of the worker, never in the
web request; the drop-folder sync and ``import_data`` get the same protection.

Why a child rather than a limit on the worker: ``setrlimit`` holds for the rest of the process's
life, so in a django-q2 worker it would cap every later task too, and hitting it would fail
whatever else the worker was doing; a thread cannot have a limit of its own. The caps in
``readers`` (rows, an Excel file's unpacked size and packing ratio) bound what a file may hold;
the child bounds what reading it may cost, whatever a parser makes of it (say a CSV value that
runs on for a gigabyte). The child imports pandas and the readers, not Django, so it starts in
about a second and holds no database connection. ``RLIMIT_AS`` exists on Linux and the
other Unixes; where it cannot be set the child still runs, bounded by the caps alone.
"""

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

if __package__:
    from .readers import MB, Chunk, Limits, Table, UnreadableFile, read_size, table_open
else:  # the child: run as a script, with this folder on sys.path, so neither Django nor the package loads
    from readers import MB, Chunk, Limits, Table, UnreadableFile, read_size, table_open

IN_PROCESS_MAX_BYTES = 5 * 1024 * 1024


def table_for(path: Path, *, name: str, limits: Limits) -> Table:
    """``path`` opened for reading here when it is small, in a child process when it is big."""
    from django.conf import settings

    if read_size(path, name=name, limits=limits) <= IN_PROCESS_MAX_BYTES:
        return table_open(path, name=name, limits=limits)
    return IsolatedTable(path, name=name, limits=limits, memory_bytes=settings.IMPORT_READ_MEMORY_MB * MB)


class IsolatedTable(Table):
    """A ``Table`` whose file is read by a child process: one for the header, one per ``chunks()``."""

    def __init__(self, path: Path, *, name: str, limits: Limits, memory_bytes: int):
        super().__init__(path, limits=limits)
        self.memory_bytes = memory_bytes
        self.request = {
            "path": str(path),
            "name": name,
            "limits": dataclasses.asdict(limits),
            "memory_bytes": memory_bytes,
        }
        for message in self._messages(op="open"):
            _kind, self.format, self.header = message

    def chunks(self, size: int, *, usecols: list[str] | None = None) -> Iterator[Chunk]:
        for kind, *content in self._messages(op="chunks", size=size, usecols=usecols):
            if kind == "chunk":
                yield Chunk(*content)

    def _messages(self, **request) -> Iterator[tuple]:
        """Run the child on ``request`` and hand over what it sends, turning its refusals (and a
        child that ran out of memory or died) into ``UnreadableFile``."""
        child = subprocess.Popen(  # noqa: S603 -- our own interpreter and script; the request is one argument
            [sys.executable, __file__, json.dumps(self.request | request)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
        )
        try:
            while True:
                try:
                    message = pickle.load(child.stdout)  # noqa: S301 -- written by our own child, see _serve
                except EOFError:
                    break
                if message[0] == "end":
                    return
                if message[0] == "refused":
                    raise UnreadableFile(message[1])
                if message[0] == "memory":
                    raise UnreadableFile(f"Reading this file needs more than {self._allowed()}")
                if message[0] == "failed":
                    raise UnreadableFile(f"The file could not be read: {message[1]}")
                yield message
            raise UnreadableFile(
                f"The process reading the file stopped unexpectedly (exit code {child.wait()}), most likely for want "
                f"of memory: reading it may need more than {self._allowed()}"
            )
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            child.stdout.close()

    def _allowed(self) -> str:
        return (
            f"the {self.memory_bytes // MB:,} MB of memory one import may use. "
            "Split it into smaller files (or ask the administrator to raise IMPORT_READ_MEMORY_MB)."
        )


def _serve(request: dict) -> None:
    """The child: open the file, send its format and header, for ``chunks`` every chunk, then "end".

    Messages are pickled tuples on the original stdout; anything else printing to stdout goes to
    stderr, so it cannot break the stream. Only plain values cross (no class of this file, which
    is ``__main__`` here).
    """
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)

    def send(*message) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    import openpyxl  # noqa: F401 -- loaded before the limit, so the limit measures the reading alone

    _limit_memory(request["memory_bytes"])
    try:
        table = table_open(Path(request["path"]), name=request["name"], limits=Limits(**request["limits"]))
        send("table", table.format, table.header)
        if request["op"] == "chunks":
            for chunk in table.chunks(request["size"], usecols=request["usecols"]):
                send("chunk", chunk.frame, chunk.lines, chunk.problems)
    except UnreadableFile as exc:
        send("refused", str(exc))
    except MemoryError:
        send("memory")
    except Exception as exc:  # said in the run, as the same error in the importing process would be
        send("failed", f"{exc.__class__.__name__}: {exc}")
    else:
        send("end")


def _limit_memory(extra: int) -> None:
    """Cap this process's address space at what it maps now plus ``extra`` bytes."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return  # no RLIMIT_AS or no /proc here: the size caps alone apply
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + extra if hard == resource.RLIM_INFINITY else min(mapped + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


if __name__ == "__main__":
    _serve(json.loads(sys.argv[1]))
