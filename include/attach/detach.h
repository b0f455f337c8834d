/* detach: the attach client's detach-key sequence. A spec in docker/podman
 * syntax ("ctrl-p,ctrl-q") is parsed into bytes, and a matcher finds the
 * sequence in the user's input stream. The matcher holds the bytes of a
 * partial match and gives them back, unchanged and in order, as soon as the
 * input stops matching, so no keystroke is ever lost or reordered. */
#ifndef PTYSHIM_DETACH_H
#define PTYSHIM_DETACH_H

#include <stdbool.h>
#include <stddef.h>

#define DETACH_KEYS_MAX 16

struct detach_keys {
	unsigned char seq[DETACH_KEYS_MAX];
	size_t len; /* 0 = detaching disabled */
};

/* Parses spec: comma-separated keys, each "ctrl-X" (X one of a-z, @, [, \, ],
 * ^, _; case-insensitive) or one single character other than ','. An empty
 * spec disables detaching. Returns 0, or -1 with a one-line reason in err
 * (always NUL-terminated when errlen > 0). */
int detach_keys_parse(const char *spec, struct detach_keys *keys, char *err, size_t errlen);

struct detach_matcher {
	struct detach_keys keys; /* a copy: the matcher borrows nothing */
	size_t held;             /* keys.seq[0..held) have been seen and held back */
};

void detach_matcher_init(struct detach_matcher *m, const struct detach_keys *keys);

/* Worst-case growth of one feed: the held bytes that may be given back. */
#define DETACH_FEED_EXTRA DETACH_KEYS_MAX

/* Runs len input bytes through the matcher and writes the bytes to pass on
 * to out, which must have room for len + DETACH_FEED_EXTRA bytes. Returns
 * the number written. When the sequence completes, *detached becomes true,
 * out holds what came before the sequence, the sequence itself is consumed
 * and the input after it is dropped. */
size_t detach_matcher_feed(struct detach_matcher *m, const unsigned char *in, size_t len,
			   unsigned char *out, bool *detached);

/* Gives back the held bytes (at the end of the input, say); out needs
 * DETACH_KEYS_MAX bytes. Returns the number written. */
size_t detach_matcher_flush(struct detach_matcher *m, unsigned char *out);

#endif
