/* A program built against an installed ukmem, by pkg-config and by
 * find_package: scripts/check-install.sh. */
#include <stdio.h>
#include <string.h>

#include <ukmem.h>

int main(void)
{
	char buf[4096];
	struct page *page;
	char *s;

	if (ukmem_init("mem=64M"))
		return 1;
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
	s = kstrdup("installed", GFP_KERNEL);
	if (!page || !s || strcmp(s, "installed"))
		return 1;
	__free_pages(page, 2);
	kfree(s);
	if (ukmem_ctl_read("/proc/buddyinfo", buf, sizeof(buf)) <= 0)
		return 1;
	printf("consumer ok\n");
	return 0;
}
