/* segwatch: the flow graph as one self-contained HTML page.
 * (Meant to become include/segwatch/graph_html.h once the lead wires it in.) */
#ifndef SEGWATCH_GRAPH_HTML_H
#define SEGWATCH_GRAPH_HTML_H

#include <stdio.h>

/**
 * sw_graph_html_write - write the interactive flow graph page
 * @out: stream to write to
 * @graph_json: the graph document ({"type":"graph","version":1,...}) as text
 * @title: page title, plain text (escaped here); NULL gives a default
 *
 * The page is self-contained: styles, viewer script and data are inline and
 * a Content-Security-Policy forbids any fetch, so it works offline. The JSON
 * is embedded verbatim except that every '<' becomes "\u003c", which covers
 * "</script>" and "<!--" and is equivalent JSON ('<' can only appear inside
 * strings). The JSON is not validated here; the page reports a parse error.
 *
 * Return: 0 on success, -1 on failure with errno set (EINVAL for a NULL
 * @out or @graph_json, EIO or the stream's errno on a write error).
 */
int sw_graph_html_write(FILE *out, const char *graph_json, const char *title);

/**
 * sw_graph_html_write_live - the same page in live mode, as the agent
 * serves it (docs/web.md): no graph embedded, live.js added, and the page's
 * Content-Security-Policy lets it fetch from its own origin (connect-src
 * 'self') and nowhere else. Same return as sw_graph_html_write.
 */
int sw_graph_html_write_live(FILE *out, const char *title);

#endif
