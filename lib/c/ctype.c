/*
 * ctype.c - character classes of the "C" locale.
 *
 * ASCII only; EOF and bytes above 0x7f belong to no class, and toupper
 * and tolower return them unchanged.
 */
#include <ctype.h>

#include "lc.h"

int LC(isdigit)(int c)
{
	return c >= '0' && c <= '9';
}

int LC(isupper)(int c)
{
	return c >= 'A' && c <= 'Z';
}

int LC(islower)(int c)
{
	return c >= 'a' && c <= 'z';
}

int LC(isalpha)(int c)
{
	return LC(isupper)(c) || LC(islower)(c);
}

int LC(isalnum)(int c)
{
	return LC(isalpha)(c) || LC(isdigit)(c);
}

int LC(isxdigit)(int c)
{
	return LC(isdigit)(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* Space, \t, \n, \v, \f and \r. */
int LC(isspace)(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int LC(isblank)(int c)
{
	return c == ' ' || c == '\t';
}

int LC(iscntrl)(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

int LC(isprint)(int c)
{
	return c >= 0x20 && c < 0x7f;
}

int LC(isgraph)(int c)
{
	return c > 0x20 && c < 0x7f;
}

int LC(ispunct)(int c)
{
	return LC(isgraph)(c) && !LC(isalnum)(c);
}

int LC(isascii)(int c)
{
	return c >= 0 && c <= 0x7f;
}

int LC(tolower)(int c)
{
	return LC(isupper)(c) ? c - 'A' + 'a' : c;
}

int LC(toupper)(int c)
{
	return LC(islower)(c) ? c - 'a' + 'A' : c;
}
