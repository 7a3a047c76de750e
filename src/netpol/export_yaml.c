/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export_yaml.c - the YAML of an export through libyaml's emitter, into
 * memory: the caller writes the stream only once every document is built,
 * so a failure half-way leaves nothing half-written. An error is sticky
 * (y->failed) so the builders need not check each event.
 *
 * Strings are plain only when no YAML reader (1.1 or 1.2) can resolve them
 * to anything but a string: "on", "yes", "null", "0755", "1e3" and "12:30"
 * would come back as booleans, null or numbers, which the API server refuses
 * (a label value must be a string). Everything else is double-quoted, and
 * the emitter escapes what must be escaped, so no name can end a scalar
 * early or start a key of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export_internal.h"

static int sw_npx_yaml_write(void *data, unsigned char *buf, size_t size)
{
	struct sw_npx_yaml *y = data;

	if (y->len + size + 1 > y->cap) {
		size_t cap = y->cap ? y->cap : 4096;
		char *b;

		while (cap < y->len + size + 1)
			cap *= 2;
		if (!(b = realloc(y->buf, cap)))
			return 0;
		y->buf = b;
		y->cap = cap;
	}
	memcpy(y->buf + y->len, buf, size);
	y->len += size;
	y->buf[y->len] = '\0';
	return 1;
}

static void sw_npx_emit(struct sw_npx_yaml *y, yaml_event_t *ev, int made)
{
	if (y->failed)
		return;
	if (!made) {
		y->failed = true;
		return;
	}
	if (!yaml_emitter_emit(&y->em, ev)) /* the emitter deletes the event either way */
		y->failed = true;
}

bool sw_npx_yaml_open(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	memset(y, 0, sizeof(*y));
	if (!yaml_emitter_initialize(&y->em))
		return false;
	yaml_emitter_set_output(&y->em, sw_npx_yaml_write, y);
	yaml_emitter_set_unicode(&y->em, 1);
	yaml_emitter_set_indent(&y->em, 2);
	yaml_emitter_set_width(&y->em, -1); /* no folding of long strings */
	sw_npx_emit(y, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	return !y->failed;
}

void sw_npx_yaml_close(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_stream_end_event_initialize(&ev));
	if (!y->failed && !yaml_emitter_flush(&y->em))
		y->failed = true;
}

void sw_npx_yaml_free(struct sw_npx_yaml *y)
{
	yaml_emitter_delete(&y->em);
	free(y->buf);
	y->buf = NULL;
	y->len = y->cap = 0;
}

void sw_npx_doc_start(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	/* implicit 0: every document starts with "---", as kubectl apply -f expects between them */
	sw_npx_emit(y, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0));
}

void sw_npx_doc_end(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_document_end_event_initialize(&ev, 1));
}

void sw_npx_map_start(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
								YAML_BLOCK_MAPPING_STYLE));
}

void sw_npx_map_end(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_mapping_end_event_initialize(&ev));
}

void sw_npx_seq_start(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
								 YAML_BLOCK_SEQUENCE_STYLE));
}

void sw_npx_seq_end(struct sw_npx_yaml *y)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* Words YAML 1.1 readers (PyYAML, go-yaml v2) resolve to booleans or null. */
static const char *const sw_npx_yaml_words[] = {
	"y", "yes", "n", "no", "true", "false", "on", "off", "null",
};

/* sw_npx_plain_ok - a letter, then letters, digits and "-_./", and not one of the words above. */
static bool sw_npx_plain_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("-_./", *c)))
			return false;
	for (size_t i = 0; i < sizeof(sw_npx_yaml_words) / sizeof(sw_npx_yaml_words[0]); i++)
		if (strcasecmp(s, sw_npx_yaml_words[i]) == 0)
			return false;
	return true;
}

static void sw_npx_scalar(struct sw_npx_yaml *y, const char *s, bool plain, bool quoted_str)
{
	yaml_event_t ev;

	sw_npx_emit(y, &ev, yaml_scalar_event_initialize(
				    &ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain,
				    quoted_str, plain ? YAML_PLAIN_SCALAR_STYLE :
				    YAML_DOUBLE_QUOTED_SCALAR_STYLE));
}

void sw_npx_str(struct sw_npx_yaml *y, const char *s)
{
	bool plain = sw_npx_plain_ok(s);

	sw_npx_scalar(y, s, plain, !plain);
}

void sw_npx_int(struct sw_npx_yaml *y, long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	sw_npx_scalar(y, buf, true, false);
}

void sw_npx_kv(struct sw_npx_yaml *y, const char *key, const char *value)
{
	sw_npx_str(y, key);
	sw_npx_str(y, value);
}

void sw_npx_ki(struct sw_npx_yaml *y, const char *key, long value)
{
	sw_npx_str(y, key);
	sw_npx_int(y, value);
}

void sw_npx_empty_map(struct sw_npx_yaml *y, const char *key)
{
	sw_npx_str(y, key);
	sw_npx_map_start(y);
	sw_npx_map_end(y);
}
