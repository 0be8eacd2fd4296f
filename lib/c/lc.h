/*
 * lc.h - naming of lib/c's public symbols.
 *
 * Every public function of lib/c is defined as LC(name).  In the real
 * library that is just `name`.  Host unit tests link lib/c into the same
 * binary as glibc, so with LIBC_HOST_TEST defined our definitions become
 * lc_name and the tests compare lc_snprintf against glibc's snprintf.
 *
 * Only definitions are renamed.  A call from one lib/c file to another
 * public function (strdup calling malloc) keeps the plain name, so in a
 * host test it reaches glibc; that is harmless because each function is
 * tested on its own.  Calls that must stay inside lib/c go through static
 * helpers or the private headers (internal.h, os.h).
 */
#ifndef LIBC_LC_H
#define LIBC_LC_H

#ifdef LIBC_HOST_TEST
#define LC(name) lc_##name
#else
#define LC(name) name
#endif

#endif /* LIBC_LC_H */
