/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sw_outfile: outputs never destroy inputs; documents are replaced whole or not at all. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <segwatch/outfile.h>

struct fx {
	char dir[64];
	char a[96], b[96], link[96], fifo[96], sub[96];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	FILE *o;

	strcpy(f->dir, "/tmp/sw-outfile.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->a, sizeof(f->a), "%s/a.json", f->dir);
	snprintf(f->b, sizeof(f->b), "%s/b.json", f->dir);
	snprintf(f->link, sizeof(f->link), "%s/link.json", f->dir);
	snprintf(f->fifo, sizeof(f->fifo), "%s/fifo", f->dir);
	snprintf(f->sub, sizeof(f->sub), "%s/sub", f->dir);
	assert_non_null(o = fopen(f->a, "w"));
	fputs("old\n", o);
	fclose(o);
	assert_int_equal(chmod(f->a, 0640), 0);
	assert_int_equal(symlink("a.json", f->link), 0);
	assert_int_equal(mkfifo(f->fifo, 0600), 0);
	assert_int_equal(mkdir(f->sub, 0700), 0);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *in = fopen(path, "r");
	size_t n;

	assert_non_null(in);
	n = fread(buf, 1, len - 1, in);
	buf[n] = '\0';
	fclose(in);
}

/* Files in the fixture directory: a.json, link.json, fifo, sub (+ b.json when written). */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static bool term_blocked(void)
{
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, SIGTERM);
}

static void test_whole_abort_keeps_old(void **state)
{
	struct fx *f = *state;
	struct sw_outfile *o;
	struct sw_err err = { 0 };
	char buf[64];

	assert_int_equal(sw_outfile_open(&o, f->a, "-o", SW_OUTFILE_WHOLE, NULL, &err), SW_EXIT_OK);
	assert_true(term_blocked());
	fputs("half a docu", sw_outfile_stream(o));
	assert_int_equal(count_entries(f->dir), 5); /* the temporary file */
	sw_outfile_abort(o);
	assert_false(term_blocked());
	slurp(f->a, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
	assert_int_equal(count_entries(f->dir), 4);
}

static void test_whole_commit_replaces_keeps_mode(void **state)
{
	struct fx *f = *state;
	struct sw_outfile *o;
	struct sw_err err = { 0 };
	struct stat st;
	char buf[64];

	/* through the symbolic link: the file it names is replaced, the link stays */
	assert_int_equal(sw_outfile_open(&o, f->link, "-o", SW_OUTFILE_WHOLE, NULL, &err), SW_EXIT_OK);
	fputs("new\n", sw_outfile_stream(o));
	assert_int_equal(sw_outfile_commit(o, &err), SW_EXIT_OK);
	slurp(f->a, buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(lstat(f->link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat(f->a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(count_entries(f->dir), 4);
}

static void test_refuses_inputs(void **state)
{
	struct fx *f = *state;
	const char *in1[] = { f->link }, *in2[] = { f->sub }, *in3[] = { f->b };
	struct sw_outfile_inputs link = { in1, 1 }, dir = { in2, 1 }, other = { in3, 1 };
	struct sw_outfile *o = NULL;
	struct sw_err err = { 0 };
	char inside[128], buf[64];

	/* the same file under another name */
	assert_int_equal(sw_outfile_open(&o, f->a, "-w", SW_OUTFILE_STREAM, &link, &err),
			 SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "refusing to overwrite"));
	assert_null(o);
	slurp(f->a, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
	/* an existing file inside an input directory; a new one there is fine */
	snprintf(inside, sizeof(inside), "%s/x.json", f->sub);
	assert_int_equal(sw_outfile_check(inside, "-o", &dir, &err), SW_EXIT_OK);
	fclose(fopen(inside, "w"));
	assert_int_equal(sw_outfile_check(inside, "-o", &dir, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "inside the input directory"));
	/* the other output, not yet written */
	assert_int_equal(sw_outfile_check(f->b, "--baseline", &other, &err), SW_EXIT_USAGE);
}

static void test_refuses_non_regular(void **state)
{
	struct fx *f = *state;
	struct sw_outfile *o = NULL;
	struct sw_err err = { 0 };

	assert_int_equal(sw_outfile_open(&o, f->fifo, "-w", SW_OUTFILE_STREAM, NULL, &err),
			 SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "is a FIFO"));
	assert_int_equal(sw_outfile_open(&o, f->sub, "-o", SW_OUTFILE_WHOLE, NULL, &err),
			 SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "is a directory"));
	assert_int_equal(sw_outfile_check("/dev/zero", "-w", NULL, &err), SW_EXIT_USAGE);
	assert_int_equal(sw_outfile_open(&o, "/dev/null", "-w", SW_OUTFILE_STREAM, NULL, &err),
			 SW_EXIT_OK);
	assert_int_equal(sw_outfile_commit(o, &err), SW_EXIT_OK);
	assert_int_equal(sw_outfile_open(&o, "-", "-o", SW_OUTFILE_WHOLE, NULL, &err), SW_EXIT_OK);
	assert_ptr_equal(sw_outfile_stream(o), stdout);
	assert_false(term_blocked());
	assert_int_equal(sw_outfile_commit(o, &err), SW_EXIT_OK);
	assert_true(sw_outfile_is_stdout("/dev/stdout"));
}

static void test_stream_truncates_only_after_checks(void **state)
{
	struct fx *f = *state;
	struct sw_outfile *o = NULL;
	struct sw_err err = { 0 };
	char buf[64];

	assert_int_equal(sw_outfile_open(&o, f->a, "-w", SW_OUTFILE_STREAM, NULL, &err), SW_EXIT_OK);
	fputs("line\n", sw_outfile_stream(o));
	assert_int_equal(sw_outfile_commit(o, &err), SW_EXIT_OK);
	assert_int_equal(sw_outfile_open(&o, f->a, "-w", SW_OUTFILE_APPEND, NULL, &err), SW_EXIT_OK);
	fputs("more\n", sw_outfile_stream(o));
	assert_int_equal(sw_outfile_commit(o, &err), SW_EXIT_OK);
	slurp(f->a, buf, sizeof(buf));
	assert_string_equal(buf, "line\nmore\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whole_abort_keeps_old, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_whole_commit_replaces_keeps_mode, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_refuses_inputs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refuses_non_regular, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stream_truncates_only_after_checks, fx_setup,
						fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
