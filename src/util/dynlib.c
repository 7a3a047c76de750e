/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Libraries opened on first use (include/segwatch/dynlib.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <segwatch/dynlib.h>

/*
 * One lock for every library: loads happen when a command opens its HTTP
 * client, server or exporter, never per request, so sharing it costs nothing
 * and spares each binding a pthread_once trampoline of its own.
 */
static pthread_mutex_t sw_dynlib_lock = PTHREAD_MUTEX_INITIALIZER;

static void sw_dynlib_fail(struct sw_dynlib *l, const char *what)
{
	if (l->package[0])
		snprintf(l->why, sizeof(l->why), "cannot load %s (apt install %s): %s", l->soname,
			 l->package, what);
	else
		snprintf(l->why, sizeof(l->why), "cannot load %s: %s", l->soname, what);
	l->state = -1;
}

static void sw_dynlib_open(struct sw_dynlib *l)
{
	/*
	 * RTLD_NOW: a library missing a dependency fails here, not at its first
	 * call. RTLD_LOCAL: its symbols (and its dependencies') stay out of the
	 * global scope. The handle is never dlclose()d: the table points into
	 * the library for the process's life, and libcurl and glib keep threads
	 * and global state that unloading would leave dangling.
	 */
	void *h, *dep = NULL;
	char what[320];

	/*
	 * A dependency the library does not name (Debian's libfixbuf.so.9 has
	 * glib's symbols undefined and no NEEDED for it) must be in the global
	 * scope before the library is opened: RTLD_GLOBAL for that one only.
	 */
	if (l->needs[0] && !(dep = dlopen(l->needs, RTLD_NOW | RTLD_GLOBAL))) {
		sw_dynlib_fail(l, dlerror());
		return;
	}
	if (!(h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL))) {
		sw_dynlib_fail(l, dlerror());
		return;
	}
	for (size_t i = 0; i < l->n_syms; i++) {
		void *fn;

		/* the library and what it names, then the one it does not (glib's g_clear_error) */
		dlerror();
		fn = dlsym(h, l->syms[i].name);
		if (!fn && dep)
			fn = dlsym(dep, l->syms[i].name);
		if (!fn) {
			snprintf(what, sizeof(what), "no function %s in it (a version too old?)",
				 l->syms[i].name);
			sw_dynlib_fail(l, what);
			return;
		}
		/* POSIX: a dlsym() result converts to a function pointer; the table holds only those */
		memcpy((char *)l->api + l->syms[i].off, &fn, sizeof(fn));
	}
	l->state = 1;
}

int sw_dynlib_load(struct sw_dynlib *l, struct sw_err *err)
{
	int state;

	pthread_mutex_lock(&sw_dynlib_lock);
	if (l->state == 0)
		sw_dynlib_open(l);
	state = l->state;
	pthread_mutex_unlock(&sw_dynlib_lock);
	if (state < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s", l->why);
	return SW_EXIT_OK;
}
