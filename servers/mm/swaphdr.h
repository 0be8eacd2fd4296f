/*
 * swaphdr.h - the on-disk header of a Linux swap area (mkswap's format,
 * include/linux/swap.h union swap_header) and its parser.
 *
 * The header is the first page of the device.  Version 1 ("new style",
 * the only one Linux has accepted since 2.5) ends the page with the
 * 10-byte signature "SWAPSPACE2"; the info block at byte 1024 (after room
 * for a boot sector and disk label) gives the version, the last usable
 * page, and a list of bad pages at byte 1536 that must never be used.
 * Integers are in the byte order of the machine that ran mkswap; like
 * Linux we also accept a header written in the other order.  The old
 * version 0 header ("SWAP-SPACE", a bitmap of good pages) is recognised
 * only to say that it is unsupported.
 *
 * swaphdr_parse() decodes and checks all of it before reporting success,
 * so a swapmap built from a parsed header never sees a bad value.
 */
#ifndef MM_SWAPHDR_H
#define MM_SWAPHDR_H

#include "mm_types.h"

#define SWAP_HDR_MAGIC		"SWAPSPACE2"
#define SWAP_HDR_MAGIC_V0	"SWAP-SPACE"
#define SWAP_HDR_MAGIC_LEN	10
#define SWAP_HDR_INFO		1024	/* bytes before the info block */
#define SWAP_HDR_BADPAGES	1536	/* offset of badpages[] */
/* Linux's MAX_SWAP_BADPAGES: the bad page list runs up to the magic. */
#define SWAP_HDR_MAX_BADPAGES \
	((PAGE_SIZE - SWAP_HDR_MAGIC_LEN - SWAP_HDR_BADPAGES) / sizeof(uint32_t))
#define SWAP_HDR_UUID_LEN	16
#define SWAP_HDR_LABEL_LEN	16

/* The layout, for building headers (tests) and as a checked reference. */
union swap_header {
	struct {
		char reserved[PAGE_SIZE - SWAP_HDR_MAGIC_LEN];
		char magic[SWAP_HDR_MAGIC_LEN];
	} magic;
	struct {
		char bootbits[SWAP_HDR_INFO];
		uint32_t version;
		uint32_t last_page;
		uint32_t nr_badpages;
		uint8_t uuid[SWAP_HDR_UUID_LEN];
		char volume_name[SWAP_HDR_LABEL_LEN];
		uint32_t padding[117];
		uint32_t badpages[SWAP_HDR_MAX_BADPAGES];
	} info;
};

_Static_assert(sizeof(union swap_header) == PAGE_SIZE, "swap header is a page");
_Static_assert(offsetof(union swap_header, info.version) == 1024, "version");
_Static_assert(offsetof(union swap_header, info.last_page) == 1028, "last_page");
_Static_assert(offsetof(union swap_header, info.nr_badpages) == 1032, "nr_bad");
_Static_assert(offsetof(union swap_header, info.uuid) == 1036, "uuid");
_Static_assert(offsetof(union swap_header, info.volume_name) == 1052, "label");
_Static_assert(offsetof(union swap_header, info.badpages) == SWAP_HDR_BADPAGES,
	       "badpages");
_Static_assert(SWAP_HDR_MAX_BADPAGES == 637, "Linux's MAX_SWAP_BADPAGES");

/* A parsed, validated header, integers in host order. */
struct swaphdr {
	uint32_t version;		/* always 1 after a successful parse */
	uint32_t last_page;		/* last usable slot */
	uint64_t nslots;		/* last_page + 1, for swapmap_init() */
	uint64_t nr_good;		/* slots neither header nor bad */
	uint32_t nr_badpages;
	uint32_t badpages[SWAP_HDR_MAX_BADPAGES];
	uint8_t uuid[SWAP_HDR_UUID_LEN];
	char label[SWAP_HDR_LABEL_LEN + 1];	/* NUL-terminated */
	bool byteswapped;		/* written in the other byte order */
	char reason[96];		/* why the parse failed */
};

/*
 * Parse the first page of a swap device of @device_pages pages.  0 and a
 * filled *@out with *@why = NULL, or -EINVAL with *@why a one-line reason
 * for a human (it points into @out->reason): no signature, an old v0 area,
 * an unknown version, an empty area, last_page beyond the device, too many
 * bad pages, a bad page out of range, or no usable page left.
 */
int swaphdr_parse(const uint8_t page[PAGE_SIZE], uint64_t device_pages,
		  struct swaphdr *out, const char **why);

#endif /* MM_SWAPHDR_H */
