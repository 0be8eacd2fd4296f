"""Shared by tools/run, tools/test, tools/run-client, tools/bench and the
integration tests: building the image and composing the QEMU command line.

One place decides the machine (QEMU flags), so every boot - interactive,
tested or benchmarked - is the same machine.
"""
import atexit
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# PAGERK_BUILD picks another build directory (parallel work trees of a build).
DEFAULT_BUILD = os.environ.get("PAGERK_BUILD") or os.path.join(ROOT, "build")
CROSS = os.path.join(ROOT, "cross", "x86_64-pagerk.ini")

# QEMU exit statuses (isa-debug-exit: 2 * code + 1) and what they mean.
EXIT_HALT_OK = 1          # code 0: clean halt
EXIT_HALT_FAILED = 3      # code 1: a --cmd command failed
EXIT_PANIC = 0x21 * 2 + 1  # code 0x21: kernel panic (67)


def map_exit(qemu_rc):
    """tools/run's exit status for a QEMU exit status."""
    if qemu_rc == EXIT_HALT_OK:
        return 0
    if qemu_rc == EXIT_PANIC:
        print("tools/run: the kernel panicked", file=sys.stderr)
        return 3
    if qemu_rc % 2 == 1 and qemu_rc > 1:
        return 1
    print("tools/run: QEMU stopped unexpectedly (status %d)" % qemu_rc, file=sys.stderr)
    return 4


def setup_and_build(build_dir=DEFAULT_BUILD, quiet=False):
    """Install missing packages, configure if needed, build."""
    subprocess.check_call([os.path.join(ROOT, "tools", "setup-deps")])
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        subprocess.check_call(["meson", "setup", build_dir, "--cross-file", CROSS],
                              cwd=ROOT, stdout=subprocess.DEVNULL if quiet else None)
    out = subprocess.run(["ninja", "-C", build_dir], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout)
        raise SystemExit("build failed")


def kvm_usable():
    """KVM only where it really works: /dev/kvm usable and not a PVM host.

    On hosts whose /dev/kvm belongs to kvm_pvm, only PVM-aware guests boot,
    so a stock guest (ours, or Linux) would hang there.
    """
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    if os.path.exists("/sys/module/kvm_pvm"):
        return False
    return os.path.exists("/sys/module/kvm_intel") or os.path.exists("/sys/module/kvm_amd")


def pick_accel(accel):
    if accel == "auto":
        return "kvm" if kvm_usable() else "tcg"
    return accel


def build_option(name, fallback, build_dir=DEFAULT_BUILD):
    """A Meson option's configured value (meson configure -Dname=...)."""
    path = os.path.join(build_dir, "meson-info", "intro-buildoptions.json")
    try:
        with open(path) as f:
            for opt in json.load(f):
                if opt.get("name") == name:
                    return opt.get("value", fallback)
    except (OSError, ValueError):
        pass
    return fallback


def add_qemu_args(ap):
    ap.add_argument("--mem", default=os.environ.get("PAGERK_MEM") or build_option("guest_mem", "256M"),
                    help="guest RAM (default: meson option guest_mem, 256M)")
    ap.add_argument("--accel", default="auto", choices=["auto", "kvm", "tcg"])
    ap.add_argument("--pager", default=build_option("pager", "mm"),
                    help="the first pager server (a boot module; default: meson option pager)")
    ap.add_argument("--build-dir", default=DEFAULT_BUILD)
    ap.add_argument("--extra-module", action="append", default=[],
                    help="another program for the image (path)")
    ap.add_argument("--append", default="", help="extra kernel command-line words")


def add_disk_args(ap):
    ap.add_argument("--disk", action="append", default=[], metavar="FILE",
                    help="attach a raw image as a virtio-blk disk (repeatable; "
                         "disks are numbered in this order, the swap disk last)")
    ap.add_argument("--swap", metavar="SIZE",
                    help="create a fresh swap image of SIZE (e.g. 64M) in the build "
                         "directory, mkswap it, attach it; it is removed when the run ends")
    ap.add_argument("--fs", metavar="FILE",
                    help="attach FILE as the file-system image (disk 0; init starts "
                         "servers/fs); default: build/fs.img, the guest's writes "
                         "discarded at exit, when no --disk, --swap or --swap-image "
                         "is given")
    ap.add_argument("--no-fs", action="store_true", help="no file-system image")
    ap.add_argument("--swap-image", metavar="FILE",
                    help="attach an existing image as the swap disk (as it is: "
                         "a missing or corrupt header is the pager's to report)")


def _size_bytes(size):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    size = size.strip().upper().rstrip("B")
    if size and size[-1] in units:
        return int(size[:-1]) * units[size[-1]]
    return int(size)


def make_swap_image(build_dir, size):
    """A fresh raw image of `size` with a Linux swap signature (mkswap).

    Each run gets its own file (BUILD/swap-XXXX.img), so guests booted at
    the same time never share a swap disk; it is removed when this process
    exits (tools/run turns SIGTERM and SIGHUP into a normal exit for that).
    """
    nbytes = _size_bytes(size)
    if nbytes < 40960 or nbytes % 4096:
        raise SystemExit("--swap: size must be a multiple of 4K, at least 40K")
    fd, path = tempfile.mkstemp(prefix="swap-", suffix=".img", dir=build_dir)
    atexit.register(_remove_quietly, path)
    with os.fdopen(fd, "wb") as f:
        f.truncate(nbytes)
    mkswap = shutil.which("mkswap") or "/sbin/mkswap"
    subprocess.check_call([mkswap, "-q", path])
    return path


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def fs_image(args):
    """(path, snapshot) of the file-system image to attach as disk 0, or
    (None, False): --fs FILE, or by default build/fs.img in QEMU's snapshot
    mode (the guest's writes go to a temporary overlay QEMU deletes, so
    every boot starts from the built image), unless --no-fs, or --disk,
    --swap or --swap-image name the disks (then only --fs adds one)."""
    if getattr(args, "no_fs", False):
        return None, False
    if getattr(args, "fs", None):
        return args.fs, False
    if any(getattr(args, a, None) for a in ("disk", "swap", "swap_image")):
        return None, False
    path = os.path.join(args.build_dir, "fs.img")
    return (path, True) if os.path.exists(path) else (None, False)


def disk_flags(args):
    """QEMU flags for the disks: legacy virtio-blk PCI devices (the
    driver, servers/blk, speaks the legacy I/O-port interface), and the
    kernel command-line words that make init start blk (and fs).  The
    order is fixed: the file-system image first (disk 0, --fs), then the
    --disk images, the swap disk last."""
    fs, snapshot = fs_image(args)
    disks = ([fs] if fs else []) + list(getattr(args, "disk", None) or [])
    words = []
    if getattr(args, "swap", None) and getattr(args, "swap_image", None):
        raise SystemExit("--swap and --swap-image are exclusive")
    if getattr(args, "swap", None):
        disks.append(make_swap_image(args.build_dir, args.swap))
    if getattr(args, "swap_image", None):
        disks.append(args.swap_image)
    if getattr(args, "swap", None) or getattr(args, "swap_image", None):
        words.append("swap=%d" % (len(disks) - 1))
    q = []
    for i, path in enumerate(disks):
        if "," in path:
            raise SystemExit("disk paths may not contain ','")
        if not os.path.exists(path):
            raise SystemExit("no such disk image: %s" % path)
        q += ["-drive", "file=%s,format=raw,if=none,id=disk%d,cache=writeback%s"
              % (os.path.abspath(path), i, ",snapshot=on" if snapshot and i == 0 else ""),
              "-device", "virtio-blk-pci,drive=disk%d,disable-modern=on" % i]
    if disks:
        words.insert(0, "servers=blk,fs" if fs else "servers=blk")
    return q, " ".join(words)


def machine_flags(accel, mem):
    """The machine: identical for our system and the Linux guest."""
    accel = pick_accel(accel)
    cpu = "host" if accel == "kvm" else "max"
    return ["-machine", "pc", "-cpu", cpu, "-m", mem, "-smp", "1", "-accel", accel]


def boot_modules(build_dir, extra=()):
    mods = []
    with open(os.path.join(build_dir, "boot-modules.txt")) as f:
        for line in f:
            name, path = line.split()
            mods.append((name, path))
    for path in extra:
        mods.append((os.path.basename(path), os.path.abspath(path)))
    return mods


def qemu_command(args, cmd=None, serial=None):
    """The full QEMU command line for our system."""
    mods = []
    for name, path in boot_modules(args.build_dir, args.extra_module):
        if "," in path:
            raise SystemExit("module paths may not contain ','")
        entry = path
        if name == "init" and cmd:
            entry += " --cmd=" + cmd.encode().hex()
        mods.append(entry)
    disks, servers = disk_flags(args)
    append = "pager=%s %s %s debug" % (args.pager, servers, args.append)
    q = [shutil.which("qemu-system-x86_64") or "qemu-system-x86_64"]
    q += machine_flags(args.accel, args.mem)
    q += ["-nographic", "-no-reboot",
          "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
          "-kernel", os.path.join(args.build_dir, "kernel", "kernel.bin"),
          "-initrd", ",".join(mods),
          "-append", " ".join(append.split())]
    q += disks
    if serial:
        q += ["-serial", serial, "-monitor", "none"]
    return q


# --- Programs built outside Meson (tools/run-client) ------------------------
#
# A user program compiled here must get exactly the flags Meson gives every
# user program (servers/meson.build: user_dep), so they are read back from
# the build rather than copied: `ninja -t commands -s` prints the final
# compile and link commands of MODEL_PROGRAM, and user_build_flags() keeps
# what describes the target (freestanding, include paths, code model, libc
# and its link line) and drops what describes that one file (its own include
# directories, dependency files, output) or is a matter of taste (warnings,
# -std, -O), which the caller chooses.  Flags are relative to the build
# directory; compile and link there.
MODEL_PROGRAM = "tests/guest/hello"
# The language and warning flags of the peer tests (run-on-linux.sh).
PEER_CFLAGS = ["-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Werror"]
_DROP_WITH_VALUE = {"-o", "-c", "-MQ", "-MF", "-MT"}


def _final_command(build_dir, target):
    out = subprocess.run(["ninja", "-C", build_dir, "-t", "commands", "-s", target],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise SystemExit("cannot read the build command of %s from %s: %s"
                         % (target, build_dir, out.stderr.strip()))
    return shlex.split(out.stdout.strip().splitlines()[-1])


def _is_own_include(arg, build_dir, model):
    """Is `arg` an include directory Meson adds for the model program itself?"""
    if not arg.startswith("-I"):
        return False
    d = os.path.dirname(model)
    own = {os.path.join(build_dir, model + ".p"), os.path.join(build_dir, d),
           os.path.join(ROOT, d)}
    path = os.path.realpath(os.path.join(build_dir, arg[2:]))
    return path in {os.path.realpath(o) for o in own}


def user_build_flags(build_dir=DEFAULT_BUILD, model=MODEL_PROGRAM):
    """(compiler argv, compile flags, link flags) of Meson's user programs."""
    obj = "%s.p/%s.c.o" % (model, os.path.basename(model))
    cc_cmd = _final_command(build_dir, obj)
    ld_cmd = _final_command(build_dir, model)
    ncc = next(i for i, a in enumerate(cc_cmd) if a.startswith("-"))  # "ccache gcc"
    cflags, skip = [], False
    for a in cc_cmd[ncc:]:
        if skip:
            skip = False
        elif a in _DROP_WITH_VALUE:
            skip = True
        elif (_is_own_include(a, build_dir, model) or a == "-MD" or a.endswith(".c")
              or (a.startswith("-W") and not a.startswith(("-Wa,", "-Wp,")))
              or a.startswith(("-std=", "-O", "-fdiagnostics-color"))):
            continue
        else:
            cflags.append(a)
    ldflags, skip = [], False
    for a in ld_cmd[ncc:]:
        if skip:
            skip = False
        elif a == "-o":
            skip = True
        elif a != obj:
            ldflags.append(a)
    for need in ("-ffreestanding", "-nostdinc"):
        if need not in cflags:
            raise SystemExit("%s is not built %s: cannot take user flags from it"
                             % (model, need))
    return cc_cmd[:ncc], cflags, ldflags


def compile_user_program(src, out, build_dir=DEFAULT_BUILD, cflags=()):
    """Compile and link one C file as a user program at `out`.

    cflags are the language and warning flags (e.g. PEER_CFLAGS).  Returns
    (ok, compiler output)."""
    cc, base_c, base_ld = user_build_flags(build_dir)
    src, out = os.path.abspath(src), os.path.abspath(out)
    obj = out + ".o"
    steps = [cc + base_c + list(cflags) + ["-c", src, "-o", obj],
             cc + ["-o", out, obj] + base_ld]
    log = ""
    try:
        for cmd in steps:
            r = subprocess.run(cmd, cwd=build_dir, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            log += r.stdout
            if r.returncode != 0:
                return False, log
    finally:
        if os.path.exists(obj):
            os.unlink(obj)
    return True, log


def write_gdb_script(build_dir):
    path = os.path.join(build_dir, "gdbinit")
    lines = ["set confirm off",
             "file %s" % os.path.join(build_dir, "kernel", "kernel.elf"),
             "set architecture i386:x86-64"]
    for name, p in boot_modules(build_dir):
        lines.append("add-symbol-file %s" % p)
    lines += ["target remote :1234", "break panic"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path
