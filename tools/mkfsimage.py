#!/usr/bin/python3
"""Build the default file-system image: mkfsimage.py OUT ROOTFS PROGRAM...

An ext2 image (4 KiB blocks, SIZE from PAGERK_FS_SIZE, default 64M) made
with `mke2fs -d` from a copy of the ROOTFS tree, with every PROGRAM that
is not a server (not built under servers/) in /bin and an empty /tmp.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    out, rootfs, programs = sys.argv[1], sys.argv[2], sys.argv[3:]
    size = os.environ.get("PAGERK_FS_SIZE", "64M")
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "root")
        shutil.copytree(rootfs, tree, ignore=shutil.ignore_patterns("meson.build"))
        for d in ("bin", "tmp"):
            os.makedirs(os.path.join(tree, d), exist_ok=True)
        os.chmod(os.path.join(tree, "tmp"), 0o1777)
        for path in programs:
            if os.sep + "servers" + os.sep in os.path.abspath(path):
                continue
            shutil.copy(path, os.path.join(tree, "bin", os.path.basename(path)))
        if os.path.exists(out):
            os.unlink(out)
        mke2fs = shutil.which("mke2fs") or "/sbin/mke2fs"
        subprocess.check_call([mke2fs, "-q", "-F", "-t", "ext2", "-b", "4096",
                               "-L", "pagerk", "-E", "root_owner=0:0",
                               "-d", tree, out, size], stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
