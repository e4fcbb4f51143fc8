/*
 * slub_debug_spec.c - the grammar of the slub_debug= (slab_debug=) boot
 * option, as Documentation/mm/slub.rst gives it:
 *
 *   slub_debug                      F, Z, P and U for every cache
 *   slub_debug=<flags>              those flags for every cache
 *   slub_debug=<flags>,<c1>,<c2>    only for the caches named (a name
 *                                   ending in '*' is a prefix)
 *   <block>;<block>...              several such blocks; a block without
 *                                   names sets the flags of every cache
 *                                   not named by another block
 *
 * Flags: F sanity checks, Z red zones, P poisoning, U user tracking,
 * T trace, A failslab, O (for every cache, wherever it is given) no
 * debug metadata for caches whose objects it would push past a page
 * order, - nothing (so "-,<cache>" switches a cache off).  Letters
 * are case-insensitive.  The parse is pure: the option layer checks a
 * string with it before anything starts, and the slab layer asks it for
 * each cache it makes.
 */
#include "lib/errno.h"
#include "lib/lib.h"
#include "lib/options.h"

static int flag_of(char c, slab_flags_t *flags, bool *order_check)
{
	switch (c | 0x20) {
	case 'f': *flags |= SLAB_CONSISTENCY_CHECKS; return 0;
	case 'z': *flags |= SLAB_RED_ZONE; return 0;
	case 'p': *flags |= SLAB_POISON; return 0;
	case 'u': *flags |= SLAB_STORE_USER; return 0;
	case 't': *flags |= SLAB_TRACE; return 0;
	case 'a': *flags |= SLAB_FAILSLAB; return 0;
	case 'o': *order_check = true; return 0;
	}
	if (c == '-')
		return 0;
	return -EINVAL;
}

/* Does name match pattern (a trailing '*' matches any rest)? */
static bool name_matches(const char *pat, size_t len, const char *name)
{
	if (len && pat[len - 1] == '*')
		return !ukmem_strncmp(pat, name, len - 1);
	return ukmem_strlen(name) == len && !ukmem_strncmp(pat, name, len);
}

/*
 * Walk spec; for name (NULL: only check the syntax) find the block that
 * names it, else the block without names.  Returns -EINVAL (reported,
 * naming the bad part) or 0 with the result in *out.
 */
int slub_debug_spec_lookup(const char *spec, const char *name, struct slub_debug_result *out)
{
	struct slub_debug_result global = { 0, false, false }, named = { 0, false, false };
	const char *p = spec;
	bool any_o = false;

	if (!spec || !*spec) {
		/* The bare word: F, Z, P, U for every cache. */
		out->flags = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON |
			     SLAB_STORE_USER;
		out->order_check = false;
		out->matched = true;
		return 0;
	}
	while (*p) {
		struct slub_debug_result block = { 0, false, true };
		const char *start = p;
		bool has_names = false;

		/* The flag letters, up to ',' or ';' or the end. */
		while (*p && *p != ',' && *p != ';') {
			if (flag_of(*p, &block.flags, &block.order_check)) {
				ukmem_printk("ukmem: slub_debug: unknown flag '%c' in '%s' (flags "
					     "are F Z P U T A O -)\n", *p, spec);
				return -EINVAL;
			}
			p++;
		}
		if (p == start && *p != ';' && *p) {
			ukmem_printk("ukmem: slub_debug: a block of '%s' has no flags\n", spec);
			return -EINVAL;
		}
		while (*p == ',') {
			const char *n = ++p;

			while (*p && *p != ',' && *p != ';')
				p++;
			if (p == n) {
				ukmem_printk("ukmem: slub_debug: empty cache name in '%s'\n", spec);
				return -EINVAL;
			}
			has_names = true;
			if (name && !named.matched && name_matches(n, (size_t)(p - n), name))
				named = block;
		}
		if (!has_names && !global.matched)
			global = block;
		any_o |= block.order_check;
		if (*p == ';')
			p++;
	}
	*out = named.matched ? named : global;
	/* O is global in the kernel (disable_higher_order_debug): any block
	 * that has it sets it for every cache. */
	out->order_check = any_o;
	return 0;
}
