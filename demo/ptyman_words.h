/* ptyman_words: split a ptyman command line into words, with the quoting a
 * shell user expects at the prompt: 'single' quotes keep everything, "double"
 * quotes keep everything but \" \\ \$ \` escapes, a backslash outside quotes
 * keeps the next character, and # at the start of a word begins a comment.
 * No expansion of any kind: `exec c1 sh -c 'echo $HOME'` passes $HOME on.
 *
 * Header-only because each .c file in demo/ becomes its own binary; ptyman.c and the
 * unit test include it. Pure: no I/O, allocation only through xmalloc. */
#ifndef PTYMAN_WORDS_H
#define PTYMAN_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct words {
	char **v;   /* NULL-terminated */
	size_t n;
};

static inline void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

static inline void words_push(struct words *w, char *word)
{
	w->v = xrealloc(w->v, (w->n + 2) * sizeof(*w->v));
	w->v[w->n++] = word;
	w->v[w->n] = NULL;
}

/* Split line into *out (always a valid, possibly empty list afterwards).
 * Returns 0, or -1 with a static reason in *err on an unterminated quote or
 * a trailing backslash; *out is then empty.
 *
 * When partial is true (completion), an unterminated quote or trailing
 * backslash is accepted and the open word is kept as typed so far, and
 * *open_word tells whether the line ends inside a word. */
static inline int words_split_ex(const char *line, struct words *out, const char **err, bool partial,
				 bool *open_word)
{
	size_t len = strlen(line);
	char *cur = xmalloc(len + 1);
	size_t cl = 0;
	bool in_word = false;
	enum { PLAIN, SINGLE, DOUBLE } q = PLAIN;

	*out = (struct words){0};
	out->v = xcalloc(1, sizeof(*out->v));
	*err = NULL;
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		if (q == SINGLE) {
			if (c == '\'')
				q = PLAIN;
			else
				cur[cl++] = c;
			continue;
		}
		if (q == DOUBLE) {
			if (c == '"') {
				q = PLAIN;
			} else if (c == '\\' && i + 1 < len && strchr("\"\\$`", line[i + 1])) {
				cur[cl++] = line[++i];
			} else {
				cur[cl++] = c;
			}
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				cur[cl] = '\0';
				words_push(out, xstrdup(cur));
				cl = 0;
				in_word = false;
			}
			continue;
		}
		if (c == '#' && !in_word)
			break;
		in_word = true;
		if (c == '\'') {
			q = SINGLE;
		} else if (c == '"') {
			q = DOUBLE;
		} else if (c == '\\') {
			if (i + 1 == len) {
				if (!partial) {
					*err = "trailing backslash";
					break;
				}
			} else {
				cur[cl++] = line[++i];
			}
		} else {
			cur[cl++] = c;
		}
	}
	if (*err == NULL && q != PLAIN && !partial)
		*err = q == SINGLE ? "unterminated single quote" : "unterminated double quote";
	if (*err != NULL) {
		free(cur);
		words_free(out);
		out->v = xcalloc(1, sizeof(*out->v));
		return -1;
	}
	if (open_word)
		*open_word = in_word;
	if (in_word) {
		cur[cl] = '\0';
		words_push(out, xstrdup(cur));
	}
	free(cur);
	return 0;
}

static inline int words_split(const char *line, struct words *out, const char **err)
{
	return words_split_ex(line, out, err, false, NULL);
}

#endif
