/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `segwatch agent check`: can the files the config names be used now? Each
 * problem is placed at the key that names the file, so the operator sees
 * `agent.json: /policy/file: error: cannot read "...": No such file or
 * directory` before the agent starts, not in its log after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <segwatch/alert.h>
#include <segwatch/text.h>

#include "internal.h"

__attribute__((format(printf, 4, 5)))
static void sw_acfg_file_diag(struct sw_diags *d, enum sw_diag_severity sev, const char *where,
			      const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sw_diags_add(d, sev, 0, 0, where, msg);
}

/* A file the agent reads: it must open for reading and be a regular file. */
static void sw_acfg_file_readable(struct sw_diags *d, const char *where, const char *path)
{
	struct sw_quote q;
	struct stat st;
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		sw_acfg_file_diag(d, SW_DIAG_ERROR, where, "cannot read %s: %s",
				  sw_text_quote(&q, path), strerror(errno));
		return;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		sw_acfg_file_diag(d, SW_DIAG_ERROR, where, "%s is not a regular file",
				  sw_text_quote(&q, path));
	close(fd);
}

/* The directory @path would be created in ("." for a bare name). */
static void sw_acfg_parent(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, size, ".");
	else if (slash == path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/* A file or directory the agent creates or writes: @dir says which is wanted. */
static void sw_acfg_file_writable(struct sw_diags *d, const char *where, const char *path,
				  bool dir)
{
	char parent[4096];
	struct sw_quote q, p;
	struct stat st;

	if (stat(path, &st) == 0) {
		if (dir != !!S_ISDIR(st.st_mode))
			sw_acfg_file_diag(d, SW_DIAG_ERROR, where, "%s is not a %s",
					  sw_text_quote(&q, path), dir ? "directory" : "regular file");
		else if (access(path, W_OK) != 0)
			sw_acfg_file_diag(d, SW_DIAG_WARNING, where, "this user cannot write %s: %s",
					  sw_text_quote(&q, path), strerror(errno));
		return;
	}
	if (errno != ENOENT) {
		sw_acfg_file_diag(d, SW_DIAG_ERROR, where, "%s: %s", sw_text_quote(&q, path),
				  strerror(errno));
		return;
	}
	sw_acfg_parent(path, parent, sizeof(parent));
	if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (dir)
			sw_acfg_file_diag(d, SW_DIAG_WARNING, where,
					  "neither %s nor %s exists yet", sw_text_quote(&q, path),
					  sw_text_quote(&p, parent));
		else
			sw_acfg_file_diag(d, SW_DIAG_ERROR, where, "cannot create %s: no directory %s",
					  sw_text_quote(&q, path), sw_text_quote(&p, parent));
	}
	else if (access(parent, W_OK) != 0)
		sw_acfg_file_diag(d, SW_DIAG_WARNING, where, "this user cannot create %s: %s",
				  sw_text_quote(&q, path), strerror(errno));
}

static void sw_acfg_socket(struct sw_diags *d, const char *path)
{
	struct sw_quote q;
	struct stat st;

	if (stat(path, &st) != 0)
		sw_acfg_file_diag(d, SW_DIAG_WARNING, "/identity/engine",
				  "no engine socket at %s now: %s", sw_text_quote(&q, path),
				  strerror(errno));
	else if (!S_ISSOCK(st.st_mode))
		sw_acfg_file_diag(d, SW_DIAG_ERROR, "/identity/engine", "%s is not a socket",
				  sw_text_quote(&q, path));
}

void sw_agent_config_check_files(const struct sw_agent_config *cfg, struct sw_diags *diags)
{
	const struct sw_agent_alerts_cfg *a = &cfg->alerts;
	char where[64];

	sw_acfg_file_readable(diags, "/policy/file", cfg->policy.file);
	sw_acfg_file_readable(diags, "/policy/staged", cfg->policy.staged);
	for (unsigned i = 0; i < cfg->identity.n_inventories; i++) {
		snprintf(where, sizeof(where), "/identity/inventories/%u", i);
		sw_acfg_file_readable(diags, where, cfg->identity.inventories[i]);
	}
	if (cfg->identity.engine == SW_AGENT_ENGINE_SOCKET)
		sw_acfg_socket(diags, cfg->identity.engine_socket);
	if (a->output && sw_alert_dest_is_file(a->output))
		sw_acfg_file_writable(diags, "/alerts/output", a->output, false);
	sw_acfg_file_readable(diags, "/alerts/baseline", a->baseline);
	sw_acfg_file_readable(diags, "/alerts/config", a->config);
	if (cfg->history.enabled)
		sw_acfg_file_writable(diags, "/history/dir", cfg->history.opts.dir, true);
}
