/* ptyman_words: split a ptyman command line into words, with the quoting a
 * shell user expects at the prompt: 'single' quotes keep everything, "double"
 * quotes keep everything but \" \\ \$ \` escapes, a backslash outside quotes
 * keeps the next character, and # at the start of a word begins a comment.
 * No expansion of any kind: `exec c1 sh -c 'echo $HOME'` passes $HOME on.
 *
 * Header-only because the unit test links the archives, not demo/'s
 * objects; ptyman and the test include it. Pure: no I/O, allocation only
 * through xmalloc. */
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

/* An empty list, ready for words_push. */
static inline struct words words_new(void)
{
	return (struct words){.v = xcalloc(1, sizeof(char *))};
}

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

/* The splitter's state between characters. */
struct words_splitter {
	struct words *out;
	char *cur; /* the word so far, room for the whole line */
	size_t cl;
	bool in_word;
	enum { WORDS_PLAIN, WORDS_SINGLE, WORDS_DOUBLE } q;
};

static inline void words_end_word(struct words_splitter *s)
{
	s->cur[s->cl] = '\0';
	words_push(s->out, xstrdup(s->cur));
	s->cl = 0;
	s->in_word = false;
}

/* line[*i] inside quotes; *i moves past an escaped character. */
static inline void words_quoted(struct words_splitter *s, const char *line, size_t len, size_t *i)
{
	char c = line[*i];
	if (s->q == WORDS_SINGLE) {
		if (c == '\'')
			s->q = WORDS_PLAIN;
		else
			s->cur[s->cl++] = c;
	} else if (c == '"') {
		s->q = WORDS_PLAIN;
	} else if (c == '\\' && *i + 1 < len && strchr("\"\\$`", line[*i + 1])) {
		s->cur[s->cl++] = line[++*i];
	} else {
		s->cur[s->cl++] = c;
	}
}

/* line[*i] outside quotes. false to stop: a comment begins, or a trailing
 * backslash that is an error (*err) unless partial. */
static inline bool words_plain(struct words_splitter *s, const char *line, size_t len, size_t *i, bool partial,
			       const char **err)
{
	char c = line[*i];
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		if (s->in_word)
			words_end_word(s);
		return true;
	}
	if (c == '#' && !s->in_word)
		return false;
	s->in_word = true;
	if (c == '\'') {
		s->q = WORDS_SINGLE;
	} else if (c == '"') {
		s->q = WORDS_DOUBLE;
	} else if (c != '\\') {
		s->cur[s->cl++] = c;
	} else if (*i + 1 < len) {
		s->cur[s->cl++] = line[++*i];
	} else if (!partial) {
		*err = "trailing backslash";
		return false;
	}
	return true;
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
	struct words_splitter s = {.out = out, .cur = xmalloc(len + 1), .q = WORDS_PLAIN};
	*out = words_new();
	*err = NULL;
	for (size_t i = 0; i < len; i++) {
		if (s.q != WORDS_PLAIN)
			words_quoted(&s, line, len, &i);
		else if (!words_plain(&s, line, len, &i, partial, err))
			break;
	}
	if (*err == NULL && s.q != WORDS_PLAIN && !partial)
		*err = s.q == WORDS_SINGLE ? "unterminated single quote" : "unterminated double quote";
	if (*err != NULL) {
		free(s.cur);
		words_free(out);
		*out = words_new();
		return -1;
	}
	if (open_word)
		*open_word = s.in_word;
	if (s.in_word)
		words_end_word(&s);
	free(s.cur);
	return 0;
}

static inline int words_split(const char *line, struct words *out, const char **err)
{
	return words_split_ex(line, out, err, false, NULL);
}

#endif
