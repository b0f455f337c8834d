/* optdesc: getopt_long's views of an option table. */
#include "base/optdesc.h"

#include <stdlib.h>
#include <string.h>

void optdesc_getopt(struct optdesc_getopt *g, const struct optdesc *opts, size_t n, const char *prefix)
{
	size_t prefix_len = strlen(prefix);
	if (n > OPTDESC_MAX || prefix_len > 2)
		abort();
	memset(g, 0, sizeof(*g));
	memcpy(g->shortopts, prefix, prefix_len);
	char *s = g->shortopts + prefix_len;
	size_t nlong = 0;
	for (size_t i = 0; i < n; i++) {
		const struct optdesc *o = &opts[i];
		if (o->name)
			g->longopts[nlong++] = (struct option){o->name, o->arg == OPTDESC_VALUE ? required_argument : no_argument,
							       NULL, o->id};
		if (o->id < OPTDESC_FIRST_LONG_ONLY) {
			*s++ = (char)o->id;
			if (o->arg == OPTDESC_VALUE)
				*s++ = ':';
		}
	}
}
