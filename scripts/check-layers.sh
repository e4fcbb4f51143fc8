#!/usr/bin/env bash
# Layering: the folders of src/ are layers, each built only on the ones
# below it, and each seen from outside only through its door.  The order
# and the doors are the two tables below; change them there.
#
#   1. Includes: a .c or .h under src/ may #include "folder/file.h" only
#      from its own folder, or from a lower layer when file.h is one of
#      that folder's doors.  Every other header of a folder is private to
#      it.  (<ukmem/...> and the compiler's headers are not checked.)
#   2. Calls and references, from the built objects (nm), not the text:
#      each undefined symbol of an object, defined by an object of another
#      folder, is an edge between the two folders.  The script prints the
#      graph, and fails on an edge to a higher layer and on a circle.
#      Static inline functions and macros make no edge; check 1 covers
#      them.  The hosted objects and the bare ones (which define the same
#      platform names) are two graphs, checked one after the other.
#
# Why: a layer that reaches into another's internals, or calls upward,
# cannot be changed or tested by itself, and a circle makes the layers
# one lump; these slip in one #include at a time, so CI catches them.
#
#   usage: check-layers.sh [-v] [--src DIR] BUILD_DIR
#
# BUILD_DIR is a configured and built CMake build of the project; DIR is
# the source tree whose src/ check 1 reads (default: this script's repo).
# -v lists every symbol of each edge, not four.
# NM (environment) names nm, e.g. arm-none-eabi-nm for a board build.
set -euo pipefail

# ---- the tables -------------------------------------------------------------
# The layers, lowest first.  A layer may use only the layers before it.
LAYERS=(platform lib page reclaim debug slab stats init malloc)
# Each folder's doors: the headers (paths under src/, globs allowed) that
# other folders may include.  No entry, or "", means no door.
declare -A DOORS=(
	[platform]="platform/platform.h"
	[lib]="lib/*"			# the shared toolbox: every header
	[page]="page/page.h"
	[reclaim]="reclaim/reclaim.h"
	[debug]="debug/debug.h"
	[slab]="slab/slab_api.h"
	[stats]=""
	[init]=""
	[malloc]=""
)
# Symbols never ours, even if an object defines them: the sanitizers',
# coverage's and the toolchain's.
IGNORED_SYMBOLS='^(__(asan|ubsan|tsan|msan|hwasan|lsan|sanitizer|gcov|llvm|cyg_profile|stack_chk)_|_GLOBAL_OFFSET_TABLE_$|__tls_get_addr$|__dso_handle$)'
# -----------------------------------------------------------------------------

usage() { echo "usage: $0 [-v] [--src DIR] BUILD_DIR" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build='' examples=4
while [ $# -gt 0 ]; do
	case $1 in
	--src) [ $# -ge 2 ] || usage; src=$(cd "$2" && pwd); shift 2 ;;
	--src=*) src=$(cd "${1#--src=}" && pwd); shift ;;
	-v) examples=1000000; shift ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) [ -z "$build" ] || usage; build=$1; shift ;;
	esac
done
[ -n "$build" ] || usage
[ -d "$build/CMakeFiles" ] || { echo "layers: $build is not a CMake build directory" >&2; exit 2; }
[ -d "$src/src" ] || { echo "layers: $src has no src/" >&2; exit 2; }
build=$(cd "$build" && pwd)
nm=${NM:-nm}
status=0

declare -A rank=()
for i in "${!LAYERS[@]}"; do rank[${LAYERS[$i]}]=$((i + 1)); done

# The folders of src/; each must have a place in the table.
folders=()
for d in "$src"/src/*/; do
	f=$(basename "$d")
	folders+=("$f")
	if [ -z "${rank[$f]:-}" ]; then
		echo "table: src/$f is in no layer of LAYERS (scripts/check-layers.sh)"
		status=1
	fi
done
for f in "${LAYERS[@]}"; do
	[ -d "$src/src/$f" ] || echo "table: note: layer $f has no folder src/$f"
done
for f in "${!DOORS[@]}"; do
	read -r -a doors <<< "${DOORS[$f]}"
	for door in "${doors[@]}"; do
		compgen -G "$src/src/$door" > /dev/null || echo "table: note: door $door of $f does not exist (yet)"
	done
done

# is_door FOLDER PATH: PATH (under src/) is one of FOLDER's doors.
is_door() {
	local door doors
	read -r -a doors <<< "${DOORS[$1]:-}"
	for door in "${doors[@]}"; do
		# shellcheck disable=SC2053	# the door is a glob
		[[ $2 == $door ]] && return 0
	done
	return 1
}

# ---- 1. includes ------------------------------------------------------------
include_bad=()
while IFS= read -r hit; do
	file=${hit%%:*} rest=${hit#*:}
	line=${rest%%:*} text=${rest#*:}
	inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<< "$text")
	rel=${file#"$src"/src/}
	own=${rel%%/*}
	# Where the compiler finds it: beside the file, else under -Isrc.
	if [ -e "$(dirname "$file")/$inc" ]; then
		target=$(realpath -ms --relative-to="$src/src" "$(dirname "$file")/$inc")
	else
		target=$(realpath -ms --relative-to="$src/src" "$src/src/$inc")
	fi
	case $target in ../*) continue ;; esac			# not under src/
	[[ $target == */* ]] || continue
	to=${target%%/*}
	[ -d "$src/src/$to" ] || continue			# not one of our folders
	[ "$to" = "$own" ] && continue
	if [ -z "${rank[$own]:-}" ] || [ -z "${rank[$to]:-}" ]; then
		msg="$to is not in the layer table"
	elif [ "${rank[$to]}" -gt "${rank[$own]}" ]; then
		msg="$to is above $own"
	elif ! is_door "$to" "$target"; then
		msg="private to $to"
	else
		continue
	fi
	[ "$msg" = "private to $to" ] && msg="includes $target, $msg" || msg="includes $target: $msg"
	include_bad+=("$own	$to	src/$rel:$line: $msg")
done < <(find "$src/src" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z |
	xargs -0 grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' /dev/null || true)

echo "includes: layers (lowest first): ${LAYERS[*]}"
if [ ${#include_bad[@]} -gt 0 ]; then
	# Grouped by folder pair, in layer order.
	for v in "${include_bad[@]}"; do
		IFS=$'\t' read -r a b msg <<< "$v"
		printf '%03d\t%03d\t%s\n' "${rank[$a]:-999}" "${rank[$b]:-999}" "$msg"
	done | sort -t $'\t' -k1,1n -k2,2n -k3,3V | cut -f3 | sed 's/^/  /'
	echo "includes: ${#include_bad[@]} violations"
	status=1
else
	echo "includes: ok, every include across folders goes down, through a door"
fi

# ---- 2. the call graph, from the objects ----------------------------------
# The objects: CMakeFiles/<target>.dir/src/<folder>/<file>.c.o.  The
# targets that compile src/platform/bare.c make the bare graph, the
# others the hosted one; a source compiled by several targets of one
# graph counts once.  An object whose source is gone is stale: skipped.
cache_src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
[ -d "${cache_src:-/nonexistent}/src" ] || cache_src=$src
[ "$cache_src" -ef "$src" ] || echo "calls: note: $build was built from $cache_src, not $src"
declare -A bare_target=()
while IFS= read -r o; do
	t=${o#"$build"/CMakeFiles/}
	bare_target[${t%%/*}]=1
done < <(find "$build/CMakeFiles" -path "$build/CMakeFiles/*.dir/src/platform/bare.c.o" 2>/dev/null)

declare -A seen=()
hosted_objs=() bare_objs=() hosted_targets=() bare_targets=() stale=()
while IFS= read -r o; do
	t=${o#"$build"/CMakeFiles/}
	target=${t%%/*}
	s=${t#*/}				# src/<folder>/<file>.c.o
	[ -e "$cache_src/${s%.o}" ] || { stale+=("${o#"$build"/}"); continue; }
	if [ -n "${bare_target[$target]:-}" ]; then g=bare; else g=hosted; fi
	[ -z "${seen[$g:$s]:-}" ] || continue
	seen[$g:$s]=1
	if [ $g = bare ]; then
		bare_objs+=("$o")
		[[ " ${bare_targets[*]} " == *" ${target%.dir} "* ]] || bare_targets+=("${target%.dir}")
	else
		hosted_objs+=("$o")
		[[ " ${hosted_targets[*]} " == *" ${target%.dir} "* ]] || hosted_targets+=("${target%.dir}")
	fi
done < <(find "$build/CMakeFiles" -path "$build/CMakeFiles/*.dir/src/*/*.o" -type f 2>/dev/null | sort)
for o in "${stale[@]}"; do echo "calls: note: skipping $o, its source is gone"; done
while IFS= read -r s; do
	s=${s#"$cache_src"/}
	[ -n "${seen[hosted:$s.o]:-}${seen[bare:$s.o]:-}" ] ||
		echo "calls: note: $s has no object in $build (not built here), not checked"
done < <(find "$cache_src/src" -name '*.c' | sort)

# graph NAME OBJECTS...: prints the edges and checks them; the last line
# it prints is "RESULT <edges> <upward edges> <circles>" (edges as a|b,...).
graph() {
	local name=$1; shift
	"$nm" -A -P -g "$@" | awk -v build="$build/" -v layers="${LAYERS[*]}" -v name="$name" -v examples="$examples" \
		-v ignored="$IGNORED_SYMBOLS" '
	BEGIN {
		n = split(layers, l, " ")
		for (i = 1; i <= n; i++) rank[l[i]] = i
	}
	{
		# "<object>: <name> <type> [<value> <size>]"
		p = index($0, ".o: ")
		if (p == 0) next
		obj = substr($0, 1, p + 1)
		split(substr($0, p + 4), f, " ")
		sym = f[1]; type = f[2]
		if (sym ~ ignored) next
		rel = substr(obj, length(build) + 1)
		s = rel; sub(/^CMakeFiles\/[^\/]*\.dir\/src\//, "", s)
		folder = s; sub(/\/.*/, "", folder)
		if (type == "U" || type == "w" || type == "v") {
			nu++; uobj[nu] = rel; ufolder[nu] = folder; usym[nu] = sym
			next
		}
		weak = (type == "W" || type == "V")
		if (sym in def) {
			if (!weak && defweak[sym]) { def[sym] = folder; defweak[sym] = 0 }
			else if (!weak && def[sym] != folder)
				dup[sym] = dup[sym] " " folder
			next
		}
		def[sym] = folder; defweak[sym] = weak
	}
	function rk(f) { return (f in rank) ? rank[f] : 999 }
	# dfs(U, D): path[1..D] leads from start to U; extends it by the edges of U.
	function dfs(u, d,    n, x, y, v, nb, c) {
		n = split(adj[u], nb, " ")
		for (x = 1; x <= n; x++) {
			v = nb[x]
			if (v == start) {
				c = ""
				for (y = 1; y <= d; y++) c = c path[y] " -> "
				nc++
				printf "circle (%s): %s%s\n", name, c, start
			} else if (ord[v] > ord[start] && !(v in onpath)) {
				onpath[v] = 1; path[d + 1] = v
				dfs(v, d + 1)
				delete onpath[v]
			}
		}
	}
	END {
		for (s in dup)
			printf "calls (%s): note: %s is defined in %s and%s\n", name, s, def[s], dup[s]
		for (i = 1; i <= nu; i++) {
			s = usym[i]; a = ufolder[i]
			if (!(s in def) || def[s] == a) continue
			b = def[s]; e = a SUBSEP b
			if (!(e in nsym)) { ne++; edge[ne] = e; nsym[e] = 0; adj[a] = adj[a] " " b; node[a] = 1; node[b] = 1 }
			if (!((e, s) in esym)) { esym[e, s] = ""; nsym[e]++ }
			if (index(" " esym[e, s] " ", " " uobj[i] " ") == 0)
				esym[e, s] = esym[e, s] (esym[e, s] == "" ? "" : " ") uobj[i]
		}
		# The edges in layer order.
		for (i = 1; i <= ne; i++) {
			split(edge[i], ab, SUBSEP)
			key[i] = sprintf("%03d %03d", rk(ab[1]), rk(ab[2]))
		}
		for (i = 2; i <= ne; i++)
			for (j = i; j > 1 && key[j - 1] > key[j]; j--) {
				t = key[j]; key[j] = key[j - 1]; key[j - 1] = t
				t = edge[j]; edge[j] = edge[j - 1]; edge[j - 1] = t
			}
		printf "calls (%s): %d edges between folders\n", name, ne
		up = 0; list = ""
		for (i = 1; i <= ne; i++) {
			e = edge[i]; split(e, ab, SUBSEP); a = ab[1]; b = ab[2]
			# The symbols, sorted; the first few as examples.
			m = 0
			for (k in esym) { split(k, kk, SUBSEP); if (kk[1] == a && kk[2] == b) syms[++m] = kk[3] }
			for (x = 2; x <= m; x++)
				for (y = x; y > 1 && syms[y - 1] > syms[y]; y--) { t = syms[y]; syms[y] = syms[y - 1]; syms[y - 1] = t }
			ex = ""
			for (x = 1; x <= m && x <= examples; x++) ex = ex (x > 1 ? ", " : "") syms[x]
			if (m > examples) ex = ex ", ..."
			upward = rk(b) > rk(a) || !(a in rank) || !(b in rank)
			printf "  %s -> %s: %d symbol%s (%s)%s\n", a, b, m, m == 1 ? "" : "s", ex,
				upward ? "   <-- UPWARD" : ""
			list = list (list == "" ? "" : ",") a "|" b
			if (upward) {
				up++
				why = (a in rank) && (b in rank) ? b " is above " a : "not in the layer table"
				ubody = ubody sprintf("upward (%s): %s -> %s (%s), %d symbol%s:\n", name, a, b, why, m, m == 1 ? "" : "s")
				for (x = 1; x <= m; x++)
					ubody = ubody sprintf("    %s, used by %s\n", syms[x], esym[a, b, syms[x]])
			}
			delete syms
		}
		printf "%s", ubody
		# Circles: every elementary one, found from its lowest folder
		# (a plain depth-first search: the graph is small).
		nn = 0
		for (v in node) { nn++; nodes[nn] = sprintf("%03d %s", rk(v), v) }
		for (x = 2; x <= nn; x++)
			for (y = x; y > 1 && nodes[y - 1] > nodes[y]; y--) { t = nodes[y]; nodes[y] = nodes[y - 1]; nodes[y - 1] = t }
		for (x = 1; x <= nn; x++) { sub(/^[0-9]+ /, "", nodes[x]); ord[nodes[x]] = x }
		nc = 0
		for (x = 1; x <= nn; x++) {
			start = nodes[x]; path[1] = start; onpath[start] = 1
			dfs(start, 1)
			delete onpath[start]
		}
		printf "RESULT %s %d %d\n", list == "" ? "-" : list, up, nc
	}'
}

declare -A all_edges=() all_up=() all_circles=()
for g in hosted bare; do
	if [ $g = hosted ]; then objs=("${hosted_objs[@]}") targets=("${hosted_targets[@]}")
	else objs=("${bare_objs[@]}") targets=("${bare_targets[@]}"); fi
	[ ${#objs[@]} -gt 0 ] || continue
	echo "calls ($g): ${#objs[@]} objects of ${targets[*]}"
	out=$(graph "$g" "${objs[@]}")
	grep -v '^RESULT ' <<< "$out" || true
	read -r _ list up nc < <(grep '^RESULT ' <<< "$out")
	while IFS= read -r c; do all_circles[$c]=1; done < <(sed -n 's/^circle ([a-z]*): //p' <<< "$out")
	if [ "$list" != - ]; then
		IFS=, read -r -a es <<< "$list"
		for e in "${es[@]}"; do
			all_edges[$e]=1
			a=${e%|*} b=${e#*|}
			if [ -z "${rank[$a]:-}" ] || [ -z "${rank[$b]:-}" ] || [ "${rank[$b]}" -gt "${rank[$a]}" ]; then
				all_up[$e]=1
			fi
		done
	fi
	[ "$up" = 0 ] && [ "$nc" = 0 ] || status=1
done
if [ ${#hosted_objs[@]} = 0 ] && [ ${#bare_objs[@]} = 0 ]; then
	echo "calls: no objects under $build/CMakeFiles/*.dir/src/ (not built?)" >&2
	status=1
fi

echo "layers: ${#folders[@]} folders, ${#all_edges[@]} edges, ${#all_up[@]} upward, ${#all_circles[@]} circles, ${#include_bad[@]} include violations"
exit $status
