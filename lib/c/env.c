/*
 * env.c - the environment and getenv().
 *
 * The process startup code points environ at the NULL-terminated
 * "NAME=value" array it received from exec; until then it is NULL and
 * getenv finds nothing.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "lc.h"

char **LC(environ);

char *LC(getenv)(const char *name)
{
	size_t len = strlen(name);
	char **e = LC(environ);

	if (!e || !len || strchr(name, '='))
		return NULL;
	for (; *e; e++)
		if (!strncmp(*e, name, len) && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}
