#!/usr/bin/env python3
"""Reads a tar or zip body with Python's own tarfile/zipfile (an independent reader) and
checks it against the files it should hold.

usage: archive_read_back.py tar|zip ARCHIVE MANIFEST
MANIFEST has one source file path per line, in entry order. Prints each entry's name on
stdout; exits 1 with a message on stderr at the first difference."""
import sys
import tarfile
import zipfile


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def check_name(name):
    if name.startswith("/") or ".." in name.split("/"):
        fail(f"unsafe entry name {name!r}")


def main():
    kind, archive, manifest = sys.argv[1:4]
    with open(manifest, encoding="utf-8") as f:
        sources = [line.rstrip("\n") for line in f if line.strip()]
    entries = []
    if kind == "tar":
        # "r:" refuses compression: the body must be a plain tar.
        with tarfile.open(archive, mode="r:") as tar:
            for member in tar:
                if not member.isreg():
                    fail(f"{member.name!r} is not a regular file")
                if member.pax_headers:
                    fail(f"{member.name!r} carries pax headers (not plain ustar)")
                entries.append((member.name, tar.extractfile(member).read()))
    elif kind == "zip":
        with zipfile.ZipFile(archive) as z:
            bad = z.testzip()
            if bad is not None:
                fail(f"CRC mismatch in {bad!r}")
            for info in z.infolist():
                if info.compress_type != zipfile.ZIP_DEFLATED:
                    fail(f"{info.filename!r} is not deflated")
                entries.append((info.filename, z.read(info)))
    else:
        fail(f"unknown kind {kind}")
    if len(entries) != len(sources):
        fail(f"{len(entries)} entries, expected {len(sources)}")
    names = set()
    for (name, data), source in zip(entries, sources):
        check_name(name)
        if name in names:
            fail(f"duplicate entry name {name!r}")
        names.add(name)
        with open(source, "rb") as f:
            expected = f.read()
        if data != expected:
            fail(f"{name!r}: {len(data)} bytes differ from {source} ({len(expected)} bytes)")
        print(name)


main()
