/* Private to src/graph_html: the template files, embedded at build time. */
#ifndef SW_GRAPH_HTML_INTERNAL_H
#define SW_GRAPH_HTML_INTERNAL_H

#include <stddef.h>

/* Each array is NUL-terminated; _len excludes the NUL. Defined in the
 * generated page_data.c (see embed.cmake). */
extern const unsigned char sw_graph_html_page[];
extern const size_t sw_graph_html_page_len;
extern const unsigned char sw_graph_html_css[];
extern const size_t sw_graph_html_css_len;
extern const unsigned char sw_graph_html_js[];
extern const size_t sw_graph_html_js_len;
extern const unsigned char sw_graph_html_live[];
extern const size_t sw_graph_html_live_len;

#endif
