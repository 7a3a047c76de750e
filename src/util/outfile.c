/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output files that never destroy input (include/segwatch/outfile.h): the
 * checks every writer shares, documents written to a temporary name and
 * renamed, streams opened without blocking on a FIFO.
 */
#define _GNU_SOURCE /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <segwatch/outfile.h>

struct sw_outfile {
	FILE *f;
	enum sw_outfile_kind kind;
	bool std;		/* standard output or error: flushed, never closed */
	char *path;		/* as given, for messages */
	char *final;		/* a document: the name renamed onto */
	char *tmp;		/* a document: its temporary name */
	char *dir;		/* a document: the directory of both */
	sigset_t oldmask;
	bool masked;
};

bool sw_outfile_is_stdout(const char *path)
{
	return path && (strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0);
}

static bool sw_outfile_is_std(const char *path)
{
	return sw_outfile_is_stdout(path) || strcmp(path, "/dev/stderr") == 0;
}

static const char *sw_outfile_type(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* The directory @path is in, resolved; NULL when it cannot be. Caller frees. */
static char *sw_outfile_dir_of(const char *path)
{
	char *copy = strdup(path), *slash, *dir;

	if (!copy)
		return NULL;
	slash = strrchr(copy, '/');
	if (!slash)
		dir = realpath(".", NULL);
	else if (slash == copy)
		dir = strdup("/");
	else {
		*slash = '\0';
		dir = realpath(copy, NULL);
	}
	free(copy);
	return dir;
}

static bool sw_outfile_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* An existing output @st against each input: the same file, or a file inside an input directory. */
static int sw_outfile_against(const char *path, const char *what, const struct stat *st,
			      const struct sw_outfile_inputs *in, struct sw_err *err)
{
	struct stat ist, dst;
	char *dir = NULL;
	int rc = SW_EXIT_OK;

	for (size_t i = 0; in && i < in->n && rc == SW_EXIT_OK; i++) {
		const char *p = in->paths[i];

		if (!p || (strcmp(p, "-") == 0 ? fstat(STDIN_FILENO, &ist) : stat(p, &ist)) != 0)
			continue;
		if (sw_outfile_same(st, &ist))
			rc = sw_err_set(err, SW_EXIT_USAGE,
					"%s %s: is a file this command also reads or writes (%s); "
					"refusing to overwrite it",
					what, path, strcmp(p, "-") == 0 ? "standard input" : p);
		else if (S_ISDIR(ist.st_mode) && (dir || (dir = sw_outfile_dir_of(path))) &&
			 stat(dir, &dst) == 0 && sw_outfile_same(&dst, &ist))
			rc = sw_err_set(err, SW_EXIT_USAGE,
					"%s %s: is inside the input directory %s; refusing to overwrite it",
					what, path, p);
	}
	free(dir);
	return rc;
}

int sw_outfile_check(const char *path, const char *what, const struct sw_outfile_inputs *in,
		     struct sw_err *err)
{
	struct stat st;

	if (!path || sw_outfile_is_std(path) || strcmp(path, "/dev/null") == 0)
		return SW_EXIT_OK;
	for (size_t i = 0; in && i < in->n; i++)
		if (in->paths[i] && strcmp(in->paths[i], path) == 0)
			return sw_err_set(err, SW_EXIT_USAGE,
					  "%s %s: is a file this command also reads or writes; "
					  "refusing to overwrite it", what, path);
	if (stat(path, &st) != 0)
		return SW_EXIT_OK; /* a new file: no one's input */
	if (!S_ISREG(st.st_mode))
		return sw_err_set(err, SW_EXIT_USAGE,
				  "%s %s: is %s, not a regular file; refusing to write to it "
				  "(write to - and redirect)", what, path, sw_outfile_type(st.st_mode));
	return sw_outfile_against(path, what, &st, in, err);
}

static void sw_outfile_free(struct sw_outfile *o)
{
	if (o->masked)
		pthread_sigmask(SIG_SETMASK, &o->oldmask, NULL);
	free(o->path);
	free(o->final);
	free(o->tmp);
	free(o->dir);
	free(o);
}

/* The mode a new file gets: 0666 less the umask (or the old file's, when replacing one). */
static mode_t sw_outfile_mode(const char *final)
{
	struct stat st;
	mode_t mask;

	if (stat(final, &st) == 0)
		return st.st_mode & 07777;
	mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

/* A document: a temporary file beside the final one; signals held until the end. */
static int sw_outfile_open_whole(struct sw_outfile *o, struct sw_err *err)
{
	sigset_t hold;
	const char *base;
	int fd;

	o->final = realpath(o->path, NULL);
	if (!o->final && !(o->final = strdup(o->path)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (!(o->dir = sw_outfile_dir_of(o->final)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", o->path);
	base = strrchr(o->final, '/') ? strrchr(o->final, '/') + 1 : o->final;
	if (!(o->tmp = malloc(strlen(o->dir) + strlen(base) + 16)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sprintf(o->tmp, "%s/.%s.XXXXXX", strcmp(o->dir, "/") ? o->dir : "", base);
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	o->masked = pthread_sigmask(SIG_BLOCK, &hold, &o->oldmask) == 0;
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		free(o->tmp);
		o->tmp = NULL;
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write (a temporary file in %s): %m",
				  o->path, o->dir);
	}
	if (fchmod(fd, sw_outfile_mode(o->final)) != 0 || !(o->f = fdopen(fd, "w"))) {
		close(fd);
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", o->path);
	}
	return SW_EXIT_OK;
}

/* A stream: opened without blocking (a FIFO has no reader), checked again on what was opened. */
static int sw_outfile_open_stream(struct sw_outfile *o, const char *what,
				  const struct sw_outfile_inputs *in, struct sw_err *err)
{
	bool append = o->kind == SW_OUTFILE_APPEND, null = strcmp(o->path, "/dev/null") == 0;
	struct stat st;
	int rc = SW_EXIT_OK, fd;

	fd = open(o->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		  (append ? O_APPEND : 0), 0666);
	if (fd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", o->path);
	if (fstat(fd, &st) != 0) {
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", o->path);
	} else if (!null && !S_ISREG(st.st_mode)) {
		rc = sw_err_set(err, SW_EXIT_USAGE, "%s %s: is %s, not a regular file; refusing "
				"to write to it (write to - and redirect)", what, o->path,
				sw_outfile_type(st.st_mode));
	} else if (null || (rc = sw_outfile_against(o->path, what, &st, in, err)) == SW_EXIT_OK) {
		if ((!append && S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
		    !(o->f = fdopen(fd, append ? "a" : "w")))
			rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", o->path);
		else
			return SW_EXIT_OK;
	}
	close(fd);
	return rc;
}

int sw_outfile_open(struct sw_outfile **out, const char *path, const char *what,
		    enum sw_outfile_kind kind, const struct sw_outfile_inputs *in,
		    struct sw_err *err)
{
	struct sw_outfile *o;
	int rc;

	*out = NULL;
	if ((rc = sw_outfile_check(path, what, in, err)) != SW_EXIT_OK)
		return rc;
	if (!(o = calloc(1, sizeof(*o))) || !(o->path = strdup(path))) {
		free(o);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	o->kind = kind;
	if (sw_outfile_is_std(path)) {
		o->std = true;
		o->f = sw_outfile_is_stdout(path) ? stdout : stderr;
	} else if (kind == SW_OUTFILE_WHOLE && strcmp(path, "/dev/null") != 0) {
		rc = sw_outfile_open_whole(o, err);
	} else {
		rc = sw_outfile_open_stream(o, what, in, err);
	}
	if (rc != SW_EXIT_OK) {
		sw_outfile_abort(o);
		return rc;
	}
	*out = o;
	return SW_EXIT_OK;
}

FILE *sw_outfile_stream(const struct sw_outfile *o)
{
	return o->f;
}

/* A document's temporary file onto its final name, both on disk. */
static int sw_outfile_rename(struct sw_outfile *o, struct sw_err *err)
{
	int dfd;

	if (rename(o->tmp, o->final) != 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", o->path);
	free(o->tmp);
	o->tmp = NULL;
	dfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* the rename itself; a failure here loses nothing already there */
		close(dfd);
	}
	return SW_EXIT_OK;
}

int sw_outfile_commit(struct sw_outfile *o, struct sw_err *err)
{
	int rc = SW_EXIT_OK;
	bool ok;

	if (!o)
		return SW_EXIT_OK;
	if (o->std) {
		ok = fflush(o->f) == 0 && !ferror(o->f);
	} else {
		ok = fflush(o->f) == 0 && !ferror(o->f);
		if (o->tmp)
			ok = ok && fsync(fileno(o->f)) == 0;
		ok = fclose(o->f) == 0 && ok;
	}
	o->f = NULL;
	if (!ok)
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: write failed: %m", o->path);
	else if (o->tmp)
		rc = sw_outfile_rename(o, err);
	sw_outfile_abort(o);
	return rc;
}

void sw_outfile_abort(struct sw_outfile *o)
{
	if (!o)
		return;
	if (o->f && !o->std)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	sw_outfile_free(o);
}
