/*
 * test_atomic_context.c - preempt_disable(), local_irq_save() and
 * ukmem_irq_enter() make a section atomic: a sleeping allocation inside
 * prints the kernel's "BUG: sleeping function called from invalid
 * context" report once per call site and proceeds as GFP_ATOMIC (it does
 * not reclaim even when memory is short); might_sleep() reports the same;
 * unbalanced enables warn and change nothing; the counts are per thread.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include <ukmem.h>

#include "harness.h"
#include "log.h"
#include "ctl.h"
#include "lib/lib.h"

TEST(counts_and_predicates)
{
	unsigned long flags;

	EXPECT_UEQ(preempt_count(), 0);
	EXPECT_FALSE(in_atomic());
	EXPECT_TRUE(in_task());
	preempt_disable();
	preempt_disable();
	EXPECT_UEQ(preempt_count(), 2);
	EXPECT_TRUE(in_atomic());
	EXPECT_FALSE(in_interrupt());
	preempt_enable();
	preempt_enable();
	EXPECT_FALSE(in_atomic());

	local_irq_save(flags);
	EXPECT_UEQ(flags, 0x200);
	EXPECT_TRUE(irqs_disabled());
	{
		unsigned long inner;

		local_irq_save(inner);	/* nested: were already off */
		EXPECT_UEQ(inner, 0);
		local_irq_restore(inner);
		EXPECT_TRUE(irqs_disabled());
	}
	local_irq_restore(flags);
	EXPECT_FALSE(irqs_disabled());

	ukmem_irq_enter();
	EXPECT_TRUE(in_interrupt());
	EXPECT_TRUE(in_hardirq());
	EXPECT_FALSE(in_task());
	EXPECT_UEQ(preempt_count(), HARDIRQ_OFFSET);
	ukmem_irq_exit();
	EXPECT_TRUE(in_task());
}

TEST(sleeping_kmalloc_in_atomic_is_reported_once_per_site)
{
	size_t mark = log_mark();
	void *p[3];

	preempt_disable();
	for (int i = 0; i < 3; i++)
		p[i] = kmalloc(96, GFP_KERNEL);	/* one call site, three calls */
	preempt_enable();
	for (int i = 0; i < 3; i++) {
		EXPECT_TRUE(p[i] != NULL);	/* memory is plentiful: it proceeds */
		kfree(p[i]);
	}
	EXPECT_EQ(log_count_since(mark, "BUG: sleeping function called from invalid context at "
				  "src/slab/kmalloc.c:"), 1);
	EXPECT_CONTAINS(log_text + mark, "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: ");
	EXPECT_CONTAINS(log_text + mark, "preempt_count: 1, expected: 0");
	/* GFP_ATOMIC in atomic context is what it is for: silent. */
	mark = log_mark();
	preempt_disable();
	kfree(kmalloc(96, GFP_ATOMIC));
	free_pages((unsigned long)page_address(alloc_pages(GFP_ATOMIC, 0)), 0);
	preempt_enable();
	EXPECT_EQ(log_count_since(mark, "BUG: sleeping"), 0);
}

TEST(irqs_disabled_and_irq_context_count_too)
{
	size_t mark = log_mark();
	unsigned long flags;
	struct page *page;

	local_irq_save(flags);
	page = alloc_pages(GFP_KERNEL, 0);
	local_irq_restore(flags);
	ASSERT_NOT_NULL(page);
	__free_pages(page, 0);
	EXPECT_CONTAINS(log_text + mark, "in_atomic(): 0, irqs_disabled(): 1");
	EXPECT_CONTAINS(log_text + mark, "at src/page/page_alloc.c:");

	mark = log_mark();
	ukmem_irq_enter();
	might_sleep();
	ukmem_irq_exit();
	EXPECT_EQ(log_count_since(mark, "BUG: sleeping function called from invalid context at "), 1);
	EXPECT_CONTAINS(log_text + mark, "preempt_count: 10000, expected: 0");
	/* Outside: nothing. */
	mark = log_mark();
	might_sleep();
	might_sleep_if(1);
	EXPECT_EQ(log_count_since(mark, "BUG"), 0);
}

/* Under memory pressure an atomic-context GFP_KERNEL must not reclaim. */
static int scans;

static unsigned long count_some(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	return 1000;
}

static unsigned long scan_none(struct shrinker *s, struct shrink_control *sc)
{
	(void)s;
	(void)sc;
	scans++;
	return SHRINK_STOP;
}

TEST(atomic_gfp_kernel_does_not_reclaim)
{
	static struct page *held[64 << 8];
	struct shrinker *s = shrinker_alloc(0, "atomic-watch");
	struct page *p;
	int n = 0;

	ASSERT_NOT_NULL(s);
	s->count_objects = count_some;
	s->scan_objects = scan_none;
	shrinker_register(s);
	while (n < (64 << 8) && (held[n] = alloc_pages(GFP_NOWAIT | __GFP_NOWARN, 0)) != NULL)
		n++;
	scans = 0;
	preempt_disable();
	p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
	preempt_enable();
	EXPECT_EQ(scans, 0);		/* no direct reclaim from atomic context */
	if (p)				/* it may dip into the reserve, as GFP_ATOMIC */
		__free_pages(p, 0);
	p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);	/* outside: reclaim runs */
	EXPECT_GT(scans, 0);
	if (p)
		__free_pages(p, 0);
	while (n > 0)
		__free_pages(held[--n], 0);
	shrinker_free(s);
}

TEST(unbalanced_enables_warn_and_change_nothing)
{
	size_t mark = log_mark();

	preempt_enable();
	EXPECT_UEQ(preempt_count(), 0);
	ukmem_irq_exit();
	EXPECT_UEQ(preempt_count(), 0);
	EXPECT_EQ(log_count_since(mark, "DEBUG_LOCKS_WARN_ON(val > preempt_count())"), 2);
	EXPECT_TRUE(ukmem_get_taint() & (1UL << 9));	/* W */
}

static void *other_thread(void *arg)
{
	*(unsigned int *)arg = preempt_count() | (irqs_disabled() ? 1u << 31 : 0);
	return NULL;
}

TEST(counts_are_per_thread)
{
	unsigned int other = 1;
	unsigned long flags;
	pthread_t t;

	preempt_disable();
	local_irq_save(flags);
	ASSERT_EQ(pthread_create(&t, NULL, other_thread, &other), 0);
	pthread_join(t, NULL);
	local_irq_restore(flags);
	preempt_enable();
	EXPECT_UEQ(other, 0);
}

static void setup(void)
{
	start_ukmem("mem=64M kswapd=off");
	ukmem_set_log_hook(log_capture);
	kfree(kmalloc(96, GFP_KERNEL));
}

RUN_TESTS_SETUP(setup,
	T(counts_and_predicates),
	T(sleeping_kmalloc_in_atomic_is_reported_once_per_site),
	T(irqs_disabled_and_irq_context_count_too),
	T(atomic_gfp_kernel_does_not_reclaim),
	T(unbalanced_enables_warn_and_change_nothing),
	T(counts_are_per_thread))
