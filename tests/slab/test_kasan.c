/*
 * test_kasan.c - in an AddressSanitizer build, ukmem poisons free slab
 * objects and the slack after an object, so ASan itself reports a
 * use-after-free and an overflow of a kmalloc or kmem_cache object.  Each
 * bug is planted in a forked child, which ASan must stop with its report;
 * the parent checks the report's title from the child's stderr.
 *
 * Outside an ASan build there is nothing to test: exit code 77, which
 * CTest counts as skipped.
 */
#include "slab_helpers.h"

#if !defined(__SANITIZE_ADDRESS__)
int main(void)
{
	printf("skipped: not an AddressSanitizer build\n");
	return 77;
}
#else
#include <fcntl.h>

static volatile unsigned char sink;

/* Run bug() in a child with stderr in a pipe; the child's text. */
static char *run_child(void (*bug)(void), int *status)
{
	static char out[16384];
	int fd[2];
	size_t len = 0;
	pid_t pid;

	if (pipe(fd))
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		bug();
		_exit(0);	/* ASan did not stop it */
	}
	close(fd[1]);
	for (ssize_t n; (n = read(fd[0], out + len, sizeof(out) - 1 - len)) > 0;)
		len += (size_t)n;
	out[len] = '\0';
	close(fd[0]);
	waitpid(pid, status, 0);
	return out;
}

static void kmalloc_use_after_free(void)
{
	unsigned char *p = kmalloc(64, GFP_KERNEL);

	p[0] = 1;
	kfree(p);
	sink = ((volatile unsigned char *)p)[8];
}

static void cache_overflow(void)
{
	struct kmem_cache *s = kmem_cache_create("kasan-50", 50, 0, 0, NULL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);

	((volatile unsigned char *)p)[49] = 1;	/* fine */
	((volatile unsigned char *)p)[50] = 1;	/* one past the object */
}

static void use_after_free_from_the_slab(void)
{
	/* Freed and gone back to its slab (the sheaves flushed): still caught. */
	struct kmem_cache *s = kmem_cache_create("kasan-128", 128, 0, SLAB_NO_MERGE, NULL);
	unsigned char *keep = kmem_cache_alloc(s, GFP_KERNEL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);

	kmem_cache_free(s, p);
	kmem_cache_shrink(s);
	sink = ((volatile unsigned char *)p)[100];
	kmem_cache_free(s, keep);
}

TEST(asan_reports_a_kmalloc_use_after_free)
{
	int status;
	char *out = run_child(kmalloc_use_after_free, &status);

	ASSERT_NOT_NULL(out);
	EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_CONTAINS(out, "ERROR: AddressSanitizer: use-after-poison");
	EXPECT_CONTAINS(out, "READ of size 1");
}

TEST(asan_reports_an_overflow_past_the_object)
{
	int status;
	char *out = run_child(cache_overflow, &status);

	ASSERT_NOT_NULL(out);
	EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_CONTAINS(out, "ERROR: AddressSanitizer: use-after-poison");
	EXPECT_CONTAINS(out, "WRITE of size 1");
}

TEST(asan_reports_a_use_after_free_of_an_object_back_on_its_slab)
{
	int status;
	char *out = run_child(use_after_free_from_the_slab, &status);

	ASSERT_NOT_NULL(out);
	EXPECT_CONTAINS(out, "ERROR: AddressSanitizer: use-after-poison");
}

TEST(live_objects_and_ksize_are_clean)
{
	unsigned char *p = kmalloc(100, GFP_KERNEL);	/* kmalloc-128 */
	size_t n = ksize(p);

	EXPECT_EQ(n, 128);
	memset(p, 1, n);	/* ksize opened the slack: no report */
	kfree(p);
}

static void setup(void)
{
	log_setup();
	if (ukmem_init("mem=128M") != 0)
		exit(2);
}

RUN_TESTS_SETUP(setup,
	T(asan_reports_a_kmalloc_use_after_free),
	T(asan_reports_an_overflow_past_the_object),
	T(asan_reports_a_use_after_free_of_an_object_back_on_its_slab),
	T(live_objects_and_ksize_are_clean))
#endif
