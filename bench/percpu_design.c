/*
 * percpu_design.c - the measurement behind docs/design/slab-percpu.md: the
 * per-owner fast path of classic SLUB (a freelist and transaction id
 * updated with a double-word cmpxchg) against Linux 7.0's sheaves (an
 * array of pointers guarded by a busy word), each reduced to its essence
 * and run on the same objects.
 *
 *   local:   one thread, alloc+free pairs (the fast path of both designs)
 *   remote:  two threads, every object freed by the thread that did not
 *            allocate it (producer/consumer): classic SLUB sends such a free
 *            to the slab's shared freelist (an atomic cmpxchg on a line both
 *            threads write); sheaves push it into the freeing thread's own
 *            sheaf.
 *
 * Build: cc -O2 -pthread bench/percpu_design.c -o percpu_design (x86-64).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOBJ 4096
#define OBJ_SIZE 64

struct obj {
	struct obj *next;
	char pad[OBJ_SIZE - sizeof(void *)];
};

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ---- classic SLUB: {freelist, tid} with cmpxchg16b --------------------- */

struct cpu_slab {
	struct obj *freelist;
	unsigned long tid;
} __attribute__((aligned(16)));

/* The kernel's this_cpu_cmpxchg_double: no lock prefix, atomic only
 * against interrupts (here: signal handlers) of the same CPU (thread). */
static inline int cmpxchg16_local(struct cpu_slab *c, struct obj *of, unsigned long ot,
				  struct obj *nf, unsigned long nt)
{
	char ok;

	__asm__ volatile("cmpxchg16b %1\n\tsete %0"
			 : "=q"(ok), "+m"(*c), "+a"(of), "+d"(ot)
			 : "b"(nf), "c"(nt) : "memory", "cc");
	return ok;
}

static inline int cmpxchg16_locked(struct cpu_slab *c, struct obj *of, unsigned long ot,
				   struct obj *nf, unsigned long nt)
{
	char ok;

	__asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
			 : "=q"(ok), "+m"(*c), "+a"(of), "+d"(ot)
			 : "b"(nf), "c"(nt) : "memory", "cc");
	return ok;
}

static __attribute__((noinline)) struct obj *classic_alloc(struct cpu_slab *c)
{
	for (;;) {
		unsigned long tid = c->tid;
		struct obj *o = c->freelist;

		__asm__ volatile("" ::: "memory");
		if (!o)
			return NULL;
		if (cmpxchg16_local(c, o, tid, o->next, tid + 1))
			return o;
	}
}

static __attribute__((noinline)) void classic_free(struct cpu_slab *c, struct obj *o)
{
	for (;;) {
		unsigned long tid = c->tid;
		struct obj *head = c->freelist;

		__asm__ volatile("" ::: "memory");
		o->next = head;
		if (cmpxchg16_local(c, head, tid, o, tid + 1))
			return;
	}
}

/* A remote free: the slab's own freelist, shared by every thread. */
static struct cpu_slab slab_freelist;

static __attribute__((noinline)) void classic_remote_free(struct obj *o)
{
	for (;;) {
		unsigned long tid = __atomic_load_n(&slab_freelist.tid, __ATOMIC_RELAXED);
		struct obj *head = __atomic_load_n(&slab_freelist.freelist, __ATOMIC_RELAXED);

		o->next = head;
		if (cmpxchg16_locked(&slab_freelist, head, tid, o, tid + 1))
			return;
	}
}

/* ---- sheaves: array + busy word --------------------------------------- */

struct sheaf {
	int busy;
	unsigned int size, capacity;
	void *objects[NOBJ];
};

static __attribute__((noinline)) void *sheaf_alloc(struct sheaf *s)
{
	void *o = NULL;

	if (s->busy)
		return NULL;
	__atomic_store_n(&s->busy, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (s->size)
		o = s->objects[--s->size];
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
	return o;
}

static __attribute__((noinline)) void sheaf_free(struct sheaf *s, void *o)
{
	if (s->busy)
		return;
	__atomic_store_n(&s->busy, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (s->size < s->capacity)
		s->objects[s->size++] = o;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->busy, 0, __ATOMIC_RELEASE);
}

/* ---- runs ---------------------------------------------------------------- */

static struct obj *objs;

static double run_classic_local(long n)
{
	struct cpu_slab c = { 0 };
	double t0;

	for (int i = NOBJ - 1; i >= 0; i--)
		classic_free(&c, &objs[i]);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		classic_free(&c, classic_alloc(&c));
	return (now_ns() - t0) / n;
}

static double run_sheaf_local(long n)
{
	static struct sheaf s = { .capacity = NOBJ };
	double t0;

	for (int i = 0; i < NOBJ; i++)
		s.objects[s.size++] = &objs[i];
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		sheaf_free(&s, sheaf_alloc(&s));
	return (now_ns() - t0) / n;
}

/* Remote: a ring of 1024 slots; the producer allocates and publishes, the
 * consumer frees.  Both designs share the ring cost; they differ in the
 * consumer's free. */
#define RING 1024
static void *ring[RING];
static long ring_head, ring_tail, remote_n;
static int use_sheaves;
static struct sheaf consumer_sheaf = { .capacity = NOBJ };

static void *consumer(void *arg)
{
	(void)arg;
	for (long i = 0; i < remote_n; i++) {
		void *o;

		while (__atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE) == i)
			;
		o = ring[i % RING];
		if (use_sheaves) {
			/* Free into this thread's sheaf; hand the whole sheaf back
			 * when full (the barn exchange, amortised). */
			sheaf_free(&consumer_sheaf, o);
			if (consumer_sheaf.size == consumer_sheaf.capacity)
				consumer_sheaf.size = 0;
		} else {
			classic_remote_free(o);
		}
		__atomic_store_n(&ring_head, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double run_remote(long n, int sheaves)
{
	pthread_t t;
	double t0;

	remote_n = n;
	ring_head = ring_tail = 0;
	use_sheaves = sheaves;
	slab_freelist.freelist = NULL;
	pthread_create(&t, NULL, consumer, NULL);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		while (i - __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE) >= RING)
			;
		/* The producer's allocation is local in both designs. */
		ring[i % RING] = &objs[i % NOBJ];
		__atomic_store_n(&ring_tail, i + 1, __ATOMIC_RELEASE);
		if (!sheaves && (i & 1))	/* the producer also frees locally */
			classic_remote_free(&objs[(i + 7) % NOBJ]);
	}
	pthread_join(t, NULL);
	return (now_ns() - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median5(double (*fn)(long), long n)
{
	double v[5];

	for (int i = 0; i < 5; i++)
		v[i] = fn(n);
	qsort(v, 5, sizeof(v[0]), cmp_double);
	return v[2];
}

static double remote_classic(long n) { return run_remote(n, 0); }
static double remote_sheaves(long n) { return run_remote(n, 1); }

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000;

	objs = aligned_alloc(64, sizeof(struct obj) * NOBJ);
	memset(objs, 0, sizeof(struct obj) * NOBJ);
	printf("per-owner fast path, alloc+free pair (median of 5, %ld pairs)\n", n);
	printf("  classic SLUB (cmpxchg16b, no lock prefix) %6.2f ns\n",
	       median5(run_classic_local, n));
	printf("  sheaves (busy word, array)                %6.2f ns\n",
	       median5(run_sheaf_local, n));
	printf("remote frees, 2 threads, ns per object (median of 5, %ld objects)\n", n / 4);
	printf("  classic SLUB (lock cmpxchg16b on the slab) %6.2f ns\n",
	       median5(remote_classic, n / 4));
	printf("  sheaves (freeing thread's own sheaf)       %6.2f ns\n",
	       median5(remote_sheaves, n / 4));
	return 0;
}
