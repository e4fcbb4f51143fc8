/*
 * test_valgrind.c - under valgrind, memcheck knows ukmem's slab objects:
 * this program runs itself under valgrind (when valgrind is installed and
 * this is not a sanitizer build), once per planted bug, and checks
 * memcheck's report: a use after kfree, an overflow into a free
 * neighbour, an uninitialised read of a kmalloc object and of a large
 * kmalloc block; and a clean run of kmalloc, kmem_cache, krealloc and
 * slub_debug reports nothing.  Exit code 77 (skipped) without valgrind.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ukmem/ukmem.h>
#include <ukmem/slab.h>

#include "harness.h"

static volatile unsigned char sink;
static const char *self;

static void *opaque(void *p)
{
	void *volatile v = p;

	return v;
}

/* ---- the cases, run under valgrind ------------------------------------------ */

static int case_use_after_free(void)
{
	unsigned char *p = kmalloc(64, GFP_KERNEL);

	p[0] = 1;
	kfree(p);
	sink = ((volatile unsigned char *)opaque(p))[10];
	return 0;
}

static int case_overflow(void)
{
	struct kmem_cache *s = kmem_cache_create("vg-48", 48, 0, SLAB_NO_MERGE, NULL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);

	((volatile unsigned char *)opaque(p))[48] = 1;	/* into the free neighbour */
	kmem_cache_free(s, p);
	return 0;
}

static int case_uninitialised(void)
{
	unsigned char *p = kmalloc(32, GFP_KERNEL);
	int r = 0;

	if (((volatile unsigned char *)p)[3] == 7)	/* never written */
		r = 1;
	kfree(p);
	return r;
}

static int case_large_uninitialised(void)
{
	unsigned char *p = kmalloc(100000, GFP_KERNEL);	/* a large kmalloc block */
	int r = 0;

	memset(p, 1, 50000);
	if (((volatile unsigned char *)p)[60000] == 1)	/* never written */
		r = 3;
	kfree(p);
	return r;
}

static int case_clean(void)
{
	struct kmem_cache *s = kmem_cache_create("vg-clean", 72, 0, SLAB_RED_ZONE | SLAB_POISON |
						 SLAB_STORE_USER, NULL);
	void *keep[100];
	unsigned char *q = NULL;

	for (int i = 0; i < 100; i++) {
		keep[i] = kmalloc(8 + (size_t)i * 37, GFP_KERNEL);
		memset(keep[i], i, 8 + (size_t)i * 37);
	}
	for (int i = 0; i < 100; i += 2)
		kfree(keep[i]);
	for (int i = 0; i < 50; i++) {
		unsigned char *o = kmem_cache_alloc(s, GFP_KERNEL);

		memset(o, 3, 72);
		kmem_cache_free(s, o);
	}
	q = krealloc(q, 10, GFP_KERNEL);
	memset(q, 4, 10);
	q = krealloc(q, 5000, GFP_KERNEL);
	if (q[9] != 4)
		return 1;
	kfree(q);
	for (int i = 1; i < 100; i += 2)
		kfree(keep[i]);
	kmem_cache_destroy(s);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
	const char *report;	/* memcheck's words, or NULL: none */
} cases[] = {
	{ "use_after_free", case_use_after_free, "Invalid read of size 1" },
	{ "overflow", case_overflow, "Invalid write of size 1" },
	/* The compiler may turn the test into a flag: memcheck then reports
	 * the exit status it flows into, "uninitialised byte(s)". */
	{ "uninitialised", case_uninitialised, "uninitialised" },
	{ "large_uninitialised", case_large_uninitialised, "uninitialised" },
	{ "clean", case_clean, NULL },
};

/* ---- the driver ------------------------------------------------------------------- */

static char *run_under_valgrind(const char *name, int *status)
{
	static char out[65536];
	char cmd[1024];
	FILE *f;
	size_t len;

	snprintf(cmd, sizeof(cmd), "UKMEM_VG_CASE=%s valgrind -q --error-exitcode=42 '%s' 2>&1",
		 name, self);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	len = fread(out, 1, sizeof(out) - 1, f);
	out[len] = '\0';
	*status = pclose(f);
	return out;
}

static void check_case(int i)
{
	int status;
	char *out = run_under_valgrind(cases[i].name, &status);

	if (!out) {
		HARNESS_FAIL("%s", "popen failed");
		return;
	}
	if (cases[i].report) {
		EXPECT_CONTAINS(out, cases[i].report);
		EXPECT_EQ(WEXITSTATUS(status), 42);
	} else {
		if (strstr(out, "=="))
			HARNESS_FAIL("memcheck reported on the clean case:\n%s", out);
		EXPECT_EQ(WEXITSTATUS(status), 0);
	}
}

TEST(use_after_free) { check_case(0); }
TEST(overflow) { check_case(1); }
TEST(uninitialised) { check_case(2); }
TEST(large_uninitialised) { check_case(3); }
TEST(clean) { check_case(4); }

int main(int argc, char **argv)
{
	const char *which = getenv("UKMEM_VG_CASE");
	static const struct harness_test tests[] = {
		T(use_after_free), T(overflow), T(uninitialised), T(large_uninitialised), T(clean),
	};

	(void)argc;
	self = argv[0];
	if (which) {
		if (ukmem_init("mem=64M") != 0)
			return 2;
		/* The slab layer's start turns the annotations on: a large
		 * kmalloc alone does not start it. */
		kfree(kmalloc(8, GFP_KERNEL));
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (!strcmp(which, cases[i].name))
				return cases[i].fn();
		return 2;
	}
	if (UNDER_ASAN || UNDER_TSAN || system("valgrind --version > /dev/null 2>&1") != 0) {
		printf("skipped: no valgrind, or a sanitizer build\n");
		return 77;
	}
	return harness_run(tests, (int)(sizeof(tests) / sizeof(tests[0])));
}
