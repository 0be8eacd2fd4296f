#!/bin/sh
# Builds and runs the lib/c host tests without meson (for quick iteration).
set -e
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${OUT:-/tmp/libc-host-test}
mkdir -p "$out"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -g -O1"
libflags="-std=gnu11 -ffreestanding -DLIBC_HOST_TEST -isystem $root/lib/c/include -Wall -Wextra -Werror"
objs=""
for f in "$root"/lib/c/*.c; do
	o="$out/lib_$(basename "$f" .c).o"
	gcc $san $libflags -c "$f" -o "$o"
	objs="$objs $o"
done
gcc $san -std=gnu11 -Wall -Wextra -Werror -c "$root/tests/host/libc/fake_os.c" -o "$out/fake_os.o"
for t in "$@"; do
	gcc $san -std=gnu11 -Wall -Wextra -Werror -Wno-format-nonliteral \
		"$root/tests/host/libc/$t.c" "$out/fake_os.o" $objs -o "$out/$t"
	"$out/$t"
done
