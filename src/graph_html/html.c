/* The flow graph page: the embedded template with title, styles, script and
 * graph JSON put in at its @SW_...@ markers. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <segwatch/graph_html.h>
#include "internal.h"

#define SW_DEFAULT_TITLE "segwatch flow graph"

static bool sw_put(FILE *out, const char *p, size_t n)
{
	return n == 0 || fwrite(p, 1, n, out) == n;
}

/* Title into HTML text: only the five characters that matter. */
static bool sw_put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep ? fputs(rep, out) == EOF : putc(*s, out) == EOF)
			return false;
	}
	return true;
}

/* JSON into a <script type="application/json"> element: a '<' could close
 * the element ("</script") or start an escaped-comment state ("<!--"). In
 * valid JSON '<' only occurs inside strings, where "\u003c" means the same. */
static bool sw_put_json(FILE *out, const char *s)
{
	const char *lt;

	while ((lt = strchr(s, '<')) != NULL) {
		if (!sw_put(out, s, (size_t)(lt - s)) || fputs("\\u003c", out) == EOF)
			return false;
		s = lt + 1;
	}
	return fputs(s, out) != EOF;
}

static bool sw_put_marker(FILE *out, const char *name, size_t len,
			  const char *graph_json, const char *title, bool live)
{
	/* live mode: the page fetches from where it came from, and runs live.js */
	if (len == 7 && memcmp(name, "CONNECT", 7) == 0)
		return !live || fputs(" connect-src 'self';", out) != EOF;
	if (len == 4 && memcmp(name, "LIVE", 4) == 0)
		return !live || (fputs("<script>\n", out) != EOF &&
				 sw_put(out, (const char *)sw_graph_html_live, sw_graph_html_live_len) &&
				 fputs("</script>\n", out) != EOF);
	if (len == 5 && memcmp(name, "TITLE", 5) == 0)
		return sw_put_text(out, title);
	if (len == 5 && memcmp(name, "GRAPH", 5) == 0)
		return sw_put_json(out, graph_json);
	if (len == 3 && memcmp(name, "CSS", 3) == 0)
		return sw_put(out, (const char *)sw_graph_html_css, sw_graph_html_css_len);
	if (len == 2 && memcmp(name, "JS", 2) == 0)
		return sw_put(out, (const char *)sw_graph_html_js, sw_graph_html_js_len);
	return sw_put(out, name - 4, len + 5); /* not ours: copy "@SW_name@" as is */
}

static int sw_graph_html_page_write(FILE *out, const char *graph_json, const char *title,
				    bool live)
{
	const char *p = (const char *)sw_graph_html_page;
	const char *mark, *end;

	if (!out || !graph_json) {
		errno = EINVAL;
		return -1;
	}
	if (!title)
		title = SW_DEFAULT_TITLE;
	errno = 0;
	/* Markers are "@SW_NAME@" (TITLE, CSS, JS, GRAPH). */
	while ((mark = strstr(p, "@SW_")) != NULL &&
	       (end = strchr(mark + 4, '@')) != NULL) {
		if (!sw_put(out, p, (size_t)(mark - p)) ||
		    !sw_put_marker(out, mark + 4, (size_t)(end - mark - 4), graph_json, title, live))
			goto err;
		p = end + 1;
	}
	if (fputs(p, out) == EOF || fflush(out) == EOF)
		goto err;
	return 0;
err:
	if (!errno)
		errno = EIO;
	return -1;
}

int sw_graph_html_write(FILE *out, const char *graph_json, const char *title)
{
	return sw_graph_html_page_write(out, graph_json, title, false);
}

int sw_graph_html_write_live(FILE *out, const char *title)
{
	return sw_graph_html_page_write(out, "{\"type\":\"graph\",\"version\":1,\"nodes\":[],\"edges\":[]}",
					title, true);
}
