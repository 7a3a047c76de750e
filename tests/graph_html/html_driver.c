/* Test and bench driver: graph JSON file in, HTML page out.
 *   html_driver GRAPH.json OUT.html [TITLE]    ("-" reads stdin / writes stdout) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/graph_html.h>

static char *slurp(FILE *f)
{
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap), *tmp;

	if (!buf)
		return NULL;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			tmp = realloc(buf, cap * 2);
			if (!tmp) {
				free(buf);
				return NULL;
			}
			buf = tmp;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	FILE *in = stdin, *out = stdout;
	char *json;
	int rc = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s GRAPH.json OUT.html [TITLE]\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "-") != 0 && !(in = fopen(argv[1], "r"))) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	json = slurp(in);
	if (in != stdin)
		fclose(in);
	if (!json) {
		fprintf(stderr, "%s: read failed\n", argv[1]);
		return 3;
	}
	if (strcmp(argv[2], "-") != 0 && !(out = fopen(argv[2], "w"))) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		goto err_json;
	}
	if (sw_graph_html_write(out, json, argc == 4 ? argv[3] : NULL) < 0)
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
	else
		rc = 0;
	if (out != stdout && fclose(out) == EOF && rc == 0) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		rc = 1;
	}
err_json:
	free(json);
	return rc;
}
