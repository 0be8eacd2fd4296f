// SPDX-License-Identifier: GPL-2.0
/*
 * test_swaphdr.c - host tests for swaphdr.c: headers built here following
 * the layout (valid, byte-swapped, and one corrupt variant per rejection,
 * each checked for the right reason), headers written by the real mkswap
 * when it is installed, and a parsed header feeding swapmap_init().
 */
#include "mm_test.h"
#include "swaphdr.h"
#include "swapmap.h"

#include <unistd.h>

static union swap_header hdr;
static struct swaphdr parsed;

static const uint8_t test_uuid[16] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
};

/* A valid version-1 header for a device of @pages pages. */
static void hdr_build(uint32_t pages, const uint32_t *bad, uint32_t nbad)
{
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic.magic, SWAP_HDR_MAGIC, SWAP_HDR_MAGIC_LEN);
	hdr.info.version = 1;
	hdr.info.last_page = pages - 1;
	hdr.info.nr_badpages = nbad;
	memcpy(hdr.info.uuid, test_uuid, sizeof(test_uuid));
	strcpy(hdr.info.volume_name, "pagerk-swap");
	for (uint32_t i = 0; i < nbad; i++)
		hdr.info.badpages[i] = bad[i];
}

static int parse(uint64_t device_pages, const char **why)
{
	return swaphdr_parse((const uint8_t *)&hdr, device_pages, &parsed, why);
}

/* The header must be refused, with @reason somewhere in the message. */
static void expect_reject(uint64_t device_pages, const char *reason)
{
	const char *why = NULL;

	T_ASSERT(parse(device_pages, &why) == -EINVAL);
	T_ASSERT(why != NULL);
	if (!strstr(why, reason)) {
		fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", why, reason);
		T_ASSERT(strstr(why, reason));
	}
	printf("#   refused: %s\n", why);
}

/* A parsed header drives a swapmap whose totals agree with it. */
static void swapmap_from_header(void)
{
	struct swapmap map;
	void *storage = malloc(swapmap_storage_size(parsed.nslots));
	uint64_t slot;

	T_ASSERT(storage);
	T_ASSERT(swapmap_init(&map, parsed.nslots, parsed.badpages,
			      parsed.nr_badpages, storage) == 0);
	T_CHECK(swapmap_check(&map));
	T_ASSERT(swapmap_total_pages(&map) == parsed.nr_good);
	while (swap_slot_alloc(&map, &slot) == 0)
		for (uint32_t i = 0; i < parsed.nr_badpages; i++)
			T_ASSERT(slot != parsed.badpages[i]);
	T_ASSERT(swapmap_free_pages(&map) == 0);
	T_CHECK(swapmap_check(&map));
	free(storage);
}

static void test_valid(void)
{
	static const uint32_t bad[] = { 7, 100, 7, 4095 };
	const char *why = "unset";

	t_begin("mm.swaphdr.valid");
	hdr_build(4096, bad, MM_ARRAY_SIZE(bad));
	T_ASSERT(parse(4096, &why) == 0 && why == NULL);
	T_ASSERT(parsed.version == 1 && parsed.last_page == 4095);
	T_ASSERT(parsed.nslots == 4096 && parsed.nr_badpages == 4);
	T_ASSERT(parsed.nr_good == 4095 - 3);	/* 7 is listed twice */
	T_ASSERT(!parsed.byteswapped);
	T_ASSERT(memcmp(parsed.uuid, test_uuid, 16) == 0);
	T_ASSERT(strcmp(parsed.label, "pagerk-swap") == 0);
	T_ASSERT(memcmp(parsed.badpages, bad, sizeof(bad)) == 0);
	swapmap_from_header();
	/* A bigger device than the area is fine; the area is what counts. */
	T_ASSERT(parse(1u << 20, &why) == 0 && parsed.nslots == 4096);
	/* A 16-byte label has no NUL on disk. */
	memcpy(hdr.info.volume_name, "0123456789abcdef", 16);
	T_ASSERT(parse(4096, &why) == 0);
	T_ASSERT(strcmp(parsed.label, "0123456789abcdef") == 0);
	/* Exactly the most bad pages there is room for. */
	hdr_build(1000, NULL, 0);
	hdr.info.nr_badpages = SWAP_HDR_MAX_BADPAGES;
	for (uint32_t i = 0; i < SWAP_HDR_MAX_BADPAGES; i++)
		hdr.info.badpages[i] = 1 + i;
	T_ASSERT(parse(1000, &why) == 0);
	T_ASSERT(parsed.nr_good == 999 - SWAP_HDR_MAX_BADPAGES);
	T_ASSERT(memcmp(hdr.magic.magic, SWAP_HDR_MAGIC, 10) == 0);
	swapmap_from_header();
	t_pass();
}

/* Written on a machine of the other byte order: accepted, like Linux. */
static void test_byteswapped(void)
{
	static const uint32_t bad[] = { 3, 9 };
	const char *why;

	t_begin("mm.swaphdr.byteswapped");
	hdr_build(512, bad, MM_ARRAY_SIZE(bad));
	hdr.info.version = __builtin_bswap32(hdr.info.version);
	hdr.info.last_page = __builtin_bswap32(hdr.info.last_page);
	hdr.info.nr_badpages = __builtin_bswap32(hdr.info.nr_badpages);
	for (unsigned i = 0; i < MM_ARRAY_SIZE(bad); i++)
		hdr.info.badpages[i] = __builtin_bswap32(hdr.info.badpages[i]);
	T_ASSERT(parse(512, &why) == 0);
	T_ASSERT(parsed.byteswapped && parsed.last_page == 511);
	T_ASSERT(parsed.nr_badpages == 2 && parsed.badpages[1] == 9);
	swapmap_from_header();
	t_pass();
}

static void test_corrupt(void)
{
	static const uint32_t bad[] = { 5, 6 };

	t_begin("mm.swaphdr.corrupt");
	memset(&hdr, 0, sizeof(hdr));
	expect_reject(64, "no SWAPSPACE2 signature");
	hdr_build(64, NULL, 0);
	hdr.magic.magic[9] = '3';
	expect_reject(64, "no SWAPSPACE2 signature");
	hdr_build(64, NULL, 0);
	memcpy(hdr.magic.magic, SWAP_HDR_MAGIC_V0, SWAP_HDR_MAGIC_LEN);
	expect_reject(64, "SWAP-SPACE (version 0) swap area unsupported");
	hdr_build(64, NULL, 0);
	hdr.info.version = 2;
	expect_reject(64, "version 2 unsupported");
	hdr.info.version = 0;
	expect_reject(64, "version 0 unsupported");
	hdr_build(64, NULL, 0);
	hdr.info.last_page = 0;
	expect_reject(64, "empty swap area");
	hdr_build(64, NULL, 0);
	expect_reject(63, "last_page 63 beyond the device (63 pages)");
	hdr.info.last_page = UINT32_MAX;
	expect_reject(64, "beyond the device");
	hdr_build(64, NULL, 0);
	hdr.info.nr_badpages = SWAP_HDR_MAX_BADPAGES + 1;
	expect_reject(64, "too many bad pages: 638 (at most 637)");
	hdr.info.nr_badpages = UINT32_MAX;
	expect_reject(64, "too many bad pages");
	hdr_build(64, bad, MM_ARRAY_SIZE(bad));
	hdr.info.badpages[1] = 64;
	expect_reject(64, "bad page 64 out of range (1..63)");
	hdr.info.badpages[1] = 0;
	expect_reject(64, "bad page 0 out of range");
	hdr_build(3, bad, 0);
	hdr.info.nr_badpages = 3;
	hdr.info.badpages[0] = 2;
	hdr.info.badpages[1] = 1;
	hdr.info.badpages[2] = 2;
	expect_reject(3, "no usable pages");
	t_pass();
}

/* Random damage: never a crash; a parse that succeeds is consistent. */
static void test_fuzz(void)
{
	uint8_t *bytes = (uint8_t *)&hdr;
	int nr_ok = 0, nr_bad = 0;

	t_begin("mm.swaphdr.fuzz");
	for (int round = 0; round < 20000; round++) {
		uint32_t pages = 2 + (uint32_t)t_below(3000);
		uint64_t device = pages - 2 + t_below(5);
		const char *why;
		int err;

		hdr_build(pages, NULL, 0);
		hdr.info.nr_badpages = (uint32_t)t_below(8);
		for (uint32_t i = 0; i < 8; i++)
			hdr.info.badpages[i] = (uint32_t)t_below(pages + 1);
		for (int n = (int)t_below(4); n > 0; n--)
			bytes[SWAP_HDR_INFO + t_below(16)] = (uint8_t)t_rand();
		if (t_below(8) == 0)
			bytes[PAGE_SIZE - 1 - t_below(SWAP_HDR_MAGIC_LEN)] ^= 1;
		err = parse(device, &why);
		if (err) {
			T_ASSERT(err == -EINVAL && why && *why);
			nr_bad++;
			continue;
		}
		T_ASSERT(why == NULL && parsed.nslots <= device);
		T_ASSERT(parsed.nr_good > 0 && parsed.nr_good < parsed.nslots);
		for (uint32_t i = 0; i < parsed.nr_badpages; i++)
			T_ASSERT(parsed.badpages[i] >= 1 &&
				 parsed.badpages[i] <= parsed.last_page);
		if (parsed.nslots <= 4096)
			swapmap_from_header();
		nr_ok++;
	}
	printf("# %s: %d accepted, %d refused\n", t_case, nr_ok, nr_bad);
	t_pass();
}

static const char *mkswap_path(void)
{
	static const char *const paths[] = { "/sbin/mkswap", "/usr/sbin/mkswap" };

	for (unsigned i = 0; i < MM_ARRAY_SIZE(paths); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* Run mkswap on a fresh @pages-page file and read its first page back. */
static bool mkswap_run(const char *tool, uint32_t pages)
{
	char path[] = "/tmp/pagerk-swaphdr-XXXXXX", cmd[512];
	static const char zero[4096];
	bool ok = false;
	int fd = mkstemp(path);
	FILE *f;

	T_ASSERT(fd >= 0);
	for (uint32_t i = 0; i < pages; i++)
		T_ASSERT(write(fd, zero, sizeof(zero)) == (ssize_t)sizeof(zero));
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s -q -f -p 4096 -L pagerk -U "
		 "01234567-89ab-cdef-fedc-ba9876543210 %s >/dev/null 2>&1",
		 tool, path);
	if (system(cmd) == 0) {
		f = fopen(path, "rb");
		T_ASSERT(f && fread(&hdr, 1, sizeof(hdr), f) == sizeof(hdr));
		fclose(f);
		ok = true;
	}
	unlink(path);
	return ok;
}

static void test_mkswap(void)
{
	static const uint32_t sizes[] = { 10, 256, 777, 4096 };
	const char *tool = mkswap_path(), *why;

	t_begin("mm.swaphdr.mkswap");
	if (!tool) {
		printf("SKIP %s: no mkswap in /sbin or /usr/sbin\n", t_case);
		return;
	}
	for (unsigned i = 0; i < MM_ARRAY_SIZE(sizes); i++) {
		T_ASSERT(mkswap_run(tool, sizes[i]));
		T_ASSERT(parse(sizes[i], &why) == 0);
		T_ASSERT(parsed.last_page == sizes[i] - 1);
		T_ASSERT(parsed.nr_badpages == 0 && parsed.nr_good == sizes[i] - 1);
		T_ASSERT(strcmp(parsed.label, "pagerk") == 0);
		T_ASSERT(memcmp(parsed.uuid, test_uuid, 16) == 0);
		swapmap_from_header();
		expect_reject(sizes[i] - 1, "beyond the device");
	}
	t_pass();
}

int main(void)
{
	t_seed_init(1);
	test_valid();
	test_byteswapped();
	test_corrupt();
	test_fuzz();
	test_mkswap();
	return 0;
}
