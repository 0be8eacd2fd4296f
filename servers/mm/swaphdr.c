/*
 * swaphdr.c - decode and validate a Linux swap header (mm/swapfile.c's
 * read_swap_header() and the bad-page loop of setup_swap_map_and_extents()).
 *
 * Owns nothing beyond the struct swaphdr it fills.  The page is read byte
 * by byte at fixed offsets, never through a cast, so the parser does not
 * care about the buffer's alignment or the host's byte order.  Every check
 * runs before *out is declared good; on failure only out->reason means
 * anything.
 */
#include "swaphdr.h"

static bool bytes_equal(const uint8_t *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != (uint8_t)b[i])
			return false;
	return true;
}

static uint32_t read_u32(const uint8_t *p, bool swapped)
{
	uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		      (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

	return swapped ? __builtin_bswap32(le) : le;
}

static uint32_t hdr_u32(const uint8_t *page, size_t off, bool swapped)
{
	return read_u32(page + off, swapped);
}

/* Start out->reason with @s; the helpers below append to it. */
static struct mm_buf reason_start(struct swaphdr *out, const char *s)
{
	struct mm_buf b;

	mm_buf_init(&b, out->reason, sizeof(out->reason));
	mm_buf_puts(&b, s);
	return b;
}

static int fail(struct swaphdr *out, const char **why, const char *s)
{
	reason_start(out, s);
	*why = out->reason;
	return -EINVAL;
}

/* "<a><n><b><m><c>": a reason with two numbers in it. */
static int fail_nums(struct swaphdr *out, const char **why, const char *a,
		     uint64_t n, const char *b, uint64_t m, const char *c)
{
	struct mm_buf buf = reason_start(out, a);

	mm_buf_putu_w(&buf, n, 0);
	mm_buf_puts(&buf, b);
	mm_buf_putu_w(&buf, m, 0);
	mm_buf_puts(&buf, c);
	*why = out->reason;
	return -EINVAL;
}

/* Version 1 in either byte order?  Sets out->byteswapped. */
static bool version_ok(const uint8_t *page, struct swaphdr *out)
{
	uint32_t v = hdr_u32(page, offsetof(union swap_header, info.version),
			     false);

	out->byteswapped = v != 1 && __builtin_bswap32(v) == 1;
	out->version = out->byteswapped ? 1 : v;
	return out->version == 1;
}

/* Distinct bad pages, counted once each (the list is at most 637 long). */
static uint64_t bad_distinct(const struct swaphdr *out)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < out->nr_badpages; i++) {
		uint32_t j = 0;

		while (j < i && out->badpages[j] != out->badpages[i])
			j++;
		n += j == i;
	}
	return n;
}

static void copy_ids(const uint8_t *page, struct swaphdr *out)
{
	const uint8_t *uuid = page + offsetof(union swap_header, info.uuid);
	const uint8_t *name = page + offsetof(union swap_header,
					      info.volume_name);

	mm_memcpy(out->uuid, uuid, SWAP_HDR_UUID_LEN);
	mm_memcpy(out->label, name, SWAP_HDR_LABEL_LEN);
	out->label[SWAP_HDR_LABEL_LEN] = '\0';
}

/* Read the bad page list and check each entry against last_page. */
static int badpages_read(const uint8_t *page, struct swaphdr *out,
			 const char **why)
{
	for (uint32_t i = 0; i < out->nr_badpages; i++) {
		uint32_t nr = hdr_u32(page, SWAP_HDR_BADPAGES + 4 * (size_t)i,
				      out->byteswapped);

		if (nr == 0 || nr > out->last_page)
			return fail_nums(out, why, "bad page ", nr,
					 " out of range (1..", out->last_page,
					 ")");
		out->badpages[i] = nr;
	}
	return 0;
}

int swaphdr_parse(const uint8_t page[PAGE_SIZE], uint64_t device_pages,
		  struct swaphdr *out, const char **why)
{
	const uint8_t *magic = page + PAGE_SIZE - SWAP_HDR_MAGIC_LEN;
	int err;

	mm_memset(out, 0, sizeof(*out));
	*why = NULL;
	if (bytes_equal(magic, SWAP_HDR_MAGIC_V0, SWAP_HDR_MAGIC_LEN))
		return fail(out, why, "old SWAP-SPACE (version 0) swap area "
			    "unsupported: run mkswap again");
	if (!bytes_equal(magic, SWAP_HDR_MAGIC, SWAP_HDR_MAGIC_LEN))
		return fail(out, why, "no SWAPSPACE2 signature");
	if (!version_ok(page, out))
		return fail_nums(out, why, "swap header version ", out->version,
				 " unsupported (need ", 1, ")");

	out->last_page = hdr_u32(page, offsetof(union swap_header,
						info.last_page),
				 out->byteswapped);
	out->nr_badpages = hdr_u32(page, offsetof(union swap_header,
						  info.nr_badpages),
				   out->byteswapped);
	out->nslots = (uint64_t)out->last_page + 1;
	if (out->last_page == 0)
		return fail(out, why, "empty swap area (last_page 0)");
	if (out->nslots > device_pages)
		return fail_nums(out, why, "last_page ", out->last_page,
				 " beyond the device (", device_pages,
				 " pages)");
	if (out->nr_badpages > SWAP_HDR_MAX_BADPAGES)
		return fail_nums(out, why, "too many bad pages: ",
				 out->nr_badpages, " (at most ",
				 SWAP_HDR_MAX_BADPAGES, ")");
	err = badpages_read(page, out, why);
	if (err)
		return err;
	out->nr_good = out->last_page - bad_distinct(out);
	if (out->nr_good == 0)
		return fail(out, why, "no usable pages: every page is bad");
	copy_ids(page, out);
	return 0;
}
