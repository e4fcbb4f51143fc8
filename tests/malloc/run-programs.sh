#!/bin/sh
# run-programs.sh - real programs on libukmem-malloc.so: each runs twice,
# on glibc's malloc and with the library preloaded, and the outputs that
# do not depend on timing must be identical.
#
#   usage: run-programs.sh /path/to/libukmem-malloc.so
#
# Programs (Debian's, installed with apt-get when missing and we are root):
#   python3  /usr/bin/python3 -m test test_json test_re test_dict test_list
#            test_threading: the pass/fail summary lines
#   sqlite3  100k generated rows, aggregates, an index, a join
#   git      a repository of a few hundred generated files over several
#            commits: log --stat, diff, gc, fsck
#   redis    redis-server on 127.0.0.1 (free port), redis-benchmark -q over
#            loopback (which commands ran, not how fast), redis-cli checks
#
# Prints one line per program with both run times.  Exit status: 0 all
# equal, 1 a difference or a failed run, 77 (CTest "skipped") when a
# program could not be installed and nothing differed; under CI (CI set,
# where .ci/run has installed every program) a missing program fails.

set -u

lib=${1:?usage: run-programs.sh /path/to/libukmem-malloc.so}
case $lib in /*) ;; *) lib=$(pwd)/$lib ;; esac
if [ ! -f "$lib" ]; then
	echo "run-programs: no such library: $lib" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ukmem-programs.XXXXXX") || exit 1
redis_pid=
cleanup() {
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null
		wait "$redis_pid" 2>/dev/null
	fi
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

status=0	# 0 same, 1 different, 77 something skipped
differ() { status=1; }
skipped() {
	if [ -n "${CI:-}" ]; then
		status=1
	elif [ "$status" = 0 ]; then
		status=77
	fi
}

# ---- installing what is missing ---------------------------------------------

apt_updated=
install_pkgs() {
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	if [ -z "$apt_updated" ]; then
		apt_updated=1
		DEBIAN_FRONTEND=noninteractive timeout 120 apt-get update -qq >/dev/null 2>&1
	fi
	echo "run-programs: installing from Debian: $*"
	DEBIAN_FRONTEND=noninteractive timeout 300 \
		apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# need "what" "test command" packages...: true if the test passes, after
# installing the packages if it did not.
need() {
	what=$1 check=$2
	shift 2
	sh -c "$check" >/dev/null 2>&1 && return 0
	install_pkgs "$@"
	sh -c "$check" >/dev/null 2>&1 && return 0
	printf '%-8s SKIP: %s is missing and could not be installed\n' "$what" "$*"
	skipped
	return 1
}

# ---- running twice ----------------------------------------------------------

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fs", b - a }'; }

# run_once name func: func <dir> runs the program in <dir> (empty to
# start with), writing what must match to stdout; called once without and
# once with the library preloaded (LD_PRELOAD is exported for the second).
# Sets verdict (same, DIFFERENT, FAIL) and times.
run_once() {
	name=$1 func=$2
	rm -rf "${tmp:?}/$name"
	mkdir -p "$tmp/$name/glibc" "$tmp/$name/ukmem"
	t0=$(now)
	(unset LD_PRELOAD; "$func" "$tmp/$name/glibc") >"$tmp/$name/glibc.out" 2>"$tmp/$name/glibc.err"
	rc_glibc=$?
	t1=$(now)
	(LD_PRELOAD=$lib; export LD_PRELOAD; "$func" "$tmp/$name/ukmem") \
		>"$tmp/$name/ukmem.out" 2>"$tmp/$name/ukmem.err"
	rc_ukmem=$?
	t2=$(now)
	times="glibc $(elapsed "$t0" "$t1"), ukmem $(elapsed "$t1" "$t2")"
	if [ "$rc_glibc" != 0 ] || [ "$rc_ukmem" != 0 ]; then
		verdict=FAIL
	elif ! cmp -s "$tmp/$name/glibc.out" "$tmp/$name/ukmem.out" || [ ! -s "$tmp/$name/glibc.out" ]; then
		verdict=DIFFERENT
	else
		verdict=same
	fi
}

show_failure() {
	if [ "$verdict" = FAIL ]; then
		printf '%-8s FAIL: exit status glibc %s, ukmem %s (%s)\n' "$name" "$rc_glibc" \
			"$rc_ukmem" "$times"
	else
		printf '%-8s DIFFERENT (%s)\n' "$name" "$times"
		diff "$tmp/$name/glibc.out" "$tmp/$name/ukmem.out" | head -n 40 | sed 's/^/    /'
	fi
	for run in glibc ukmem; do
		tail -n 15 "$tmp/$name/$run.err" | sed "s/^/    $run stderr: /"
	done
}

# run_both name func: run_once, and once more if the outputs differ (a
# test of Python's threading module can fail under load on either
# allocator); a difference must show twice to count.
run_both() {
	run_once "$1" "$2"
	if [ "$verdict" != same ]; then
		show_failure
		echo "$1: running both again"
		run_once "$1" "$2"
		if [ "$verdict" != same ]; then
			show_failure
			differ
			return
		fi
	fi
	printf '%-8s same output, %s lines (%s)\n' "$name" \
		"$(wc -l <"$tmp/$name/glibc.out" | tr -d ' ')" "$times"
}

# ---- (1) python's test suite --------------------------------------------------

python_run() {
	cd "$1" || return 1
	# Debian's interpreter and nothing from the caller's environment
	# (pyenv, virtualenvs).  Only the summary: which tests passed, failed
	# or were skipped, never timings.
	env -u PYTHONPATH -u PYTHONHOME -u PYTHONSTARTUP HOME="$1" \
		timeout 240 /usr/bin/python3 -m test test_json test_re test_dict test_list \
		test_threading >regrtest.log 2>&1
	rc=$?
	grep -E '^(== )?Tests result|tests? (OK|failed|skipped|omitted|altered)|^    test_' \
		regrtest.log
	return "$rc"
}

# ---- (2) sqlite3 --------------------------------------------------------------

sqlite_run() {
	timeout 120 sqlite3 "$1/test.db" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, d BLOB);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000)
INSERT INTO t SELECT x, (x * 7919) % 1000, printf('name-%06d-%s', (x * 104729) % 50000,
       substr('abcdefghijklmnopqrstuvwxyz', 1 + x % 26, 1 + x % 13)),
       ((x * 31337) % 10007) / 7.0, zeroblob(x % 300)
FROM n;
SELECT count(*), sum(a), printf('%.6f', avg(c)), min(b), max(b), sum(length(d)) FROM t;
SELECT a % 10, count(*), printf('%.4f', sum(c)) FROM t GROUP BY a % 10 ORDER BY 1;
CREATE INDEX t_b ON t(b);
CREATE INDEX t_ac ON t(a, c);
SELECT b, count(*) FROM t GROUP BY b ORDER BY count(*) DESC, b LIMIT 5;
CREATE TABLE u AS SELECT a, count(*) AS n, max(c) AS top FROM t GROUP BY a;
SELECT count(*), sum(u.n), printf('%.3f', sum(u.top)) FROM t JOIN u ON t.a = u.a
WHERE t.b LIKE 'name-01%';
SELECT t.id, u.n FROM t JOIN u USING (a) WHERE t.c > 1400 ORDER BY t.id LIMIT 10;
DELETE FROM t WHERE id % 3 = 0;
UPDATE t SET b = upper(b) WHERE id % 7 = 1;
SELECT count(*), count(DISTINCT b), group_concat(id, ',') FILTER (WHERE id < 40) FROM t;
VACUUM;
PRAGMA integrity_check;
EOF
}

# ---- (3) git --------------------------------------------------------------------

git_run() {
	dir=$1
	export HOME="$dir" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
		GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL="author@example.com" \
		GIT_COMMITTER_NAME="C O Mitter" GIT_COMMITTER_EMAIL="committer@example.com" \
		TZ=UTC LC_ALL=C GIT_PAGER=cat PAGER=cat
	cd "$dir" || return 1
	timeout 60 git init -q -b main repo || return 1
	cd repo || return 1
	mkdir -p d0 d1 d2 d3 d4 d5 d6 d7 || return 1
	for c in 1 2 3 4 5 6; do
		# 400 files over 8 directories; each commit rewrites some,
		# appends to others, deletes a few and adds new ones.
		awk -v c="$c" 'BEGIN {
			for (i = 0; i < 400; i++) {
				if (c > 1 && i % (c + 1) != 0 && i % 5 != 1) continue;
				if (c > 2 && i % 37 == c) { system("rm -f d" i % 8 "/f" i ".txt"); continue; }
				f = "d" i % 8 "/f" i ".txt";
				lines = 5 + (i * 13 + c * 7) % 60;
				for (l = 0; l < lines; l++)
					printf "file %d commit %d line %d %s\n", i, c, l,
						substr("the quick brown fox jumps over the lazy dog", 1 + (i + l) % 20) >> f;
				close(f);
			}
		}' || return 1
		export GIT_AUTHOR_DATE="2024-01-0$c 12:00:00 +0000" \
			GIT_COMMITTER_DATE="2024-01-0$c 12:30:00 +0000"
		timeout 60 git add -A || return 1
		timeout 60 git commit -q -m "commit $c" -m "Generated content, round $c." || return 1
	done
	timeout 60 git log --stat --format='%H %an <%ae> %ad%n%s' || return 1
	timeout 60 git diff --stat HEAD~4 HEAD || return 1
	timeout 60 git diff HEAD~2 HEAD -- d3 | md5sum || return 1
	timeout 60 git gc -q --aggressive || return 1
	timeout 60 git fsck --no-progress --full --strict 2>&1 || return 1
	timeout 60 git count-objects -v | grep -E '^(count|in-pack|packs|garbage)' || return 1
	timeout 60 git rev-list --objects --all | sort | md5sum || return 1
	timeout 60 git show --stat --format=%B HEAD~1 || return 1
}

# ---- (4) redis ---------------------------------------------------------------------

free_port() {
	env -u LD_PRELOAD /usr/bin/python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

redis_run() {
	dir=$1
	port=$(free_port) || return 1
	cli() { timeout 20 redis-cli -h 127.0.0.1 -p "$port" "$@"; }
	redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes --save '' \
		--appendonly no --dir "$dir" --logfile "$dir/redis.log" --daemonize no &
	redis_pid=$!
	# This runs in a subshell of its own: stop the server on any way out.
	trap '[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null' EXIT
	i=0
	until cli ping >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt 100 ] || ! kill -0 "$redis_pid" 2>/dev/null; then
			echo "redis-server did not start" >&2
			return 1
		fi
		sleep 0.1
	done
	# Which commands ran (the rates differ from run to run).
	timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" -q -n 20000 -t set,get,lpush,lpop \
		| tr '\r' '\n' | grep 'requests per second' | sed 's/:.*//' | sort -u
	cli set greeting "hello, ukmem"
	cli get greeting
	cli append greeting "!"
	cli get greeting
	for i in $(seq 1 50); do echo "incr counter"; done | cli >/dev/null
	cli get counter
	cli rpush list a b c d e f g
	cli lrange list 0 -1
	cli hset h f1 v1 f2 v2 f3 v3 >/dev/null
	cli hgetall h | sort
	# Values of every size class, up to a huge one.
	for size in 1 100 5000 100000 6000000; do
		head -c "$size" /dev/zero | tr '\0' 'x' >"$dir/value"
		cli -x set "v$size" <"$dir/value"
		cli strlen "v$size"
		cli getrange "v$size" -5 -1
		cli get "v$size" | head -c "$size" | md5sum
	done
	cli dbsize
	cli shutdown nosave >/dev/null 2>&1
	i=0
	while kill -0 "$redis_pid" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then
			kill -9 "$redis_pid"
			break
		fi
		sleep 0.1
	done
	wait "$redis_pid"
	rc=$?
	redis_pid=
	return "$rc"
}

# ---- main ---------------------------------------------------------------------------

echo "run-programs: glibc malloc vs LD_PRELOAD=$lib"
if need python3 "test -d /usr/lib/python3.11/test/test_json && test -x /usr/bin/python3" \
	libpython3.11-testsuite; then
	run_both python3 python_run
fi
if need sqlite3 "command -v sqlite3" sqlite3; then
	run_both sqlite3 sqlite_run
fi
if need git "command -v git" git; then
	run_both git git_run
fi
if need redis "command -v redis-server && command -v redis-benchmark && command -v redis-cli \
	&& test -x /usr/bin/python3" redis-server redis-tools; then
	run_both redis redis_run
fi
exit "$status"
