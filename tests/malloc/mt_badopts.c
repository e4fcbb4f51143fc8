/*
 * mt_badopts.c - real programs whose malloc is ukmem, started with a
 * UKMEM_OPTIONS that parses but cannot start (mem=1M): the first malloc
 * reports it once, ukmem starts with its defaults, and the program runs
 * to completion.  Before the fix every malloc retried the bad options,
 * printed the error again and failed, and programs died ("memory
 * exhausted").
 *
 * Three programs: this one re-run with the options (linked with the
 * library, like any program built against it), and /bin/sh and python3
 * (when installed) with the library preloaded.  The library's path is the
 * file that defines this program's malloc (dladdr).  Each child logs to
 * its own UKMEM_LOG file, which the parent reads.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define REASON "mem=1048576 is too small"

/* The child: allocation churn of every size class up to a few MiB. */
static int child_main(void)
{
	static void *p[512];

	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 512; i++) {
			size_t size = ((size_t)(i * 7919 + round) % 65536) + 1;

			if (i % 128 == 0)
				size *= 64;
			p[i] = malloc(size);
			if (!p[i])
				return 3;
			memset(p[i], i, size < 64 ? size : 64);
		}
		for (int i = 0; i < 512; i++)
			free(p[i]);
	}
	puts("done");
	return 0;
}

static char log_path[64], out_path[64];

static void cleanup(void)
{
	unlink(log_path);
	unlink(out_path);
}

static void setup(void)
{
	int fd;

	if (getenv("MT_BADOPTS_CHILD"))
		exit(child_main());
	snprintf(log_path, sizeof(log_path), "/tmp/ukmem-mt-badopts-log-XXXXXX");
	snprintf(out_path, sizeof(out_path), "/tmp/ukmem-mt-badopts-out-XXXXXX");
	fd = mkstemp(log_path);
	if (fd >= 0)
		close(fd);
	fd = mkstemp(out_path);
	if (fd >= 0)
		close(fd);
	atexit(cleanup);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);
	size_t n;

	if (!text)
		abort();
	if (f) {
		n = fread(text, 1, (1 << 20) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	return text;
}

/* Run argv with UKMEM_OPTIONS=mem=1M (and LD_PRELOAD=preload unless NULL),
 * stdout to out_path, ukmem's log to log_path; the exit status. */
static int run(char *const argv[], const char *preload)
{
	pid_t pid;
	int status = -1;

	truncate(log_path, 0);
	truncate(out_path, 0);
	pid = fork();
	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_TRUNC);

		if (fd >= 0)
			dup2(fd, 1);
		setenv("UKMEM_OPTIONS", "mem=1M", 1);
		setenv("UKMEM_LOG", log_path, 1);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *library_path(void)
{
	static Dl_info info;
	void *(*m)(size_t) = malloc;

	if (!dladdr(*(void **)&m, &info) || !info.dli_fname || !strstr(info.dli_fname, "ukmem"))
		return NULL;
	return info.dli_fname;
}

/* One report, and the program's own output. */
static void expect_ran(int rc, const char *want_out)
{
	char *log = slurp(log_path), *out = slurp(out_path);
	int reports = count_substr(log, REASON);

	EXPECT_EQ(rc, 0);
	EXPECT_STREQ(out, want_out);
	EXPECT_EQ(reports, 1);
	EXPECT_EQ(count_substr(log, "cannot start, starting with the defaults"), 1);
	if (rc != 0 || reports != 1)
		fprintf(stderr, "  the log (first 2000 bytes):\n%.2000s\n", log);
	free(log);
	free(out);
}

TEST(linked_program)
{
	char *argv[] = { "/proc/self/exe", NULL };
	int rc;

	setenv("MT_BADOPTS_CHILD", "1", 1);
	rc = run(argv, NULL);
	unsetenv("MT_BADOPTS_CHILD");
	expect_ran(rc, "done\n");
}

/* A shell that builds a long string: many small mallocs, no other
 * process (echo and the arithmetic are built in). */
TEST(preloaded_shell)
{
	char *argv[] = { "/bin/sh", "-c",
			 "i=0; s=; while [ $i -lt 2000 ]; do s=\"$s$i\"; i=$((i+1)); done; "
			 "echo ${#s}", NULL };
	const char *lib = library_path();

	ASSERT_NOT_NULL(lib);
	expect_ran(run(argv, lib), "6890\n");
}

/* python3, run by its real path (a wrapper such as pyenv's shim would
 * start many processes, each with its own report). */
TEST(preloaded_python)
{
	char *probe[] = { "python3", "-c", "import sys; print(sys.executable)", NULL };
	char *argv[] = { NULL, "-c",
			 "print(sum(len(str(i)) for i in range(200000)), len({i: str(i) for i in "
			 "range(100000)}))", NULL };
	const char *lib = library_path();
	char *exe;

	ASSERT_NOT_NULL(lib);
	if (run(probe, NULL) != 0) {
		printf("  (skipped: no python3)\n");
		return;
	}
	exe = slurp(out_path);
	exe[strcspn(exe, "\n")] = '\0';
	argv[0] = exe;
	expect_ran(run(argv, lib), "1088890 100000\n");
	free(exe);
}

RUN_TESTS_SETUP(setup,
	T(linked_program),
	T(preloaded_shell),
	T(preloaded_python))
