#!/usr/bin/python3
"""Write the boot-module list: one 'name path' line per program."""
import os
import sys

out = sys.argv[1]
with open(out, "w") as f:
    for path in sys.argv[2:]:
        f.write("%s %s\n" % (os.path.basename(path), os.path.abspath(path)))
