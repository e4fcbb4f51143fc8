/*
 * cxx_api.cpp - the public headers from C++: kernel code ported to user
 * space is sometimes C++ (test drivers, gtest suites).  Every header
 * compiles as C++ with -Wall -Wextra -Werror, the Linux names resolve to
 * the library's C symbols (extern "C"), and the inline functions that
 * return void * work where C++ allows no implicit conversion.
 */
#include <ukmem.h>

#include <cstdio>
#include <cstring>

static int failures;

#define CHECK(x) do { \
	if (!(x)) { \
		std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #x); \
		failures++; \
	} \
} while (0)

static int ctor_calls;

static void ctor(void *obj)
{
	std::memset(obj, 0x5a, 40);
	ctor_calls++;
}

static void pages(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	CHECK(page != nullptr);
	if (!page)
		return;
	set_page_private(page, 0x1234);
	CHECK(page_private(page) == 0x1234);
	CHECK(page->private_ == 0x1234);	/* C's page->private */
	set_page_private(page, 0);
	CHECK(virt_to_page(page_address(page)) == page);
	__free_pages(page, 2);

	unsigned long addr = get_zeroed_page(GFP_KERNEL);
	CHECK(addr != 0);
	CHECK(reinterpret_cast<unsigned char *>(addr)[100] == 0);
	free_page(addr);
}

static void objects(void)
{
	char *s = static_cast<char *>(kmalloc(100, GFP_KERNEL));
	CHECK(s != nullptr);
	CHECK(ksize(s) == 128);
	std::strcpy(s, "hello from C++");
	char *t = kstrdup(s, GFP_KERNEL);
	CHECK(t && std::strcmp(t, s) == 0);
	kfree(t);
	s = static_cast<char *>(krealloc(s, 300, GFP_KERNEL));
	CHECK(s && std::strcmp(s, "hello from C++") == 0);
	kfree(s);

	int *v = static_cast<int *>(kcalloc(64, sizeof(int), GFP_KERNEL));
	CHECK(v && v[63] == 0);
	kfree(v);

	struct kmem_cache *cache = kmem_cache_create("cxx_objects", 40, 0, SLAB_HWCACHE_ALIGN, ctor);
	CHECK(cache != nullptr);
	if (!cache)
		return;
	void *objs[8];
	CHECK(kmem_cache_alloc_bulk(cache, GFP_KERNEL, 8, objs) == 8);
	CHECK(ctor_calls >= 8);
	CHECK(static_cast<unsigned char *>(objs[3])[39] == 0x5a);
	kmem_cache_free_bulk(cache, 8, objs);
	kmem_cache_destroy(cache);

	void *big = vmalloc(1 << 20);
	CHECK(big && is_vmalloc_addr(big));
	vfree(big);
	void *kv = kvzalloc(64 << 10, GFP_KERNEL);
	CHECK(kv != nullptr);
	kvfree(kv);
}

static void control_files(void)
{
	static char text[16384];
	ssize_t n = ukmem_ctl_read("/proc/buddyinfo", text, sizeof(text));
	CHECK(n > 0);
	CHECK(std::strstr(text, "Node 0, zone") != nullptr);
	CHECK(ukmem_ctl_read("/proc/nonexistent", text, sizeof(text)) < 0);
}

int main()
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = { { "pages", pages }, { "objects", objects }, { "control_files", control_files } };
	int passed = 0, failed = 0;

	if (ukmem_init("mem=128M") != 0) {
		std::fprintf(stderr, "ukmem_init failed\n");
		return 1;
	}
	for (const auto &t : tests) {
		int before = failures;
		t.fn();
		if (failures == before)
			passed++;
		else
			failed++;
		std::printf("%s %s\n", failures == before ? "ok  " : "FAIL", t.name);
	}
	std::printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
