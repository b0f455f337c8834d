/* logset: one loop over the drivers for each operation, so the shim's output
 * path names the set once and never a single driver. */
#include "shim/logset.h"

#include <stdlib.h>

#include "base/util.h"

void logset_init(struct logset *set)
{
	set->drivers = NULL;
	set->n = 0;
}

void logset_add(struct logset *set, struct logdrv *drv)
{
	set->drivers = xrealloc(set->drivers, (set->n + 1) * sizeof(*set->drivers));
	set->drivers[set->n++] = drv;
}

void logset_write(struct logset *set, const struct output_chunk *chunk)
{
	for (size_t i = 0; i < set->n; i++)
		set->drivers[i]->ops->write(set->drivers[i], chunk);
}

void logset_flush(struct logset *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->drivers[i]->ops->flush)
			set->drivers[i]->ops->flush(set->drivers[i]);
}

void logset_resize(struct logset *set, unsigned rows, unsigned cols, const struct timespec *when)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->drivers[i]->ops->resize)
			set->drivers[i]->ops->resize(set->drivers[i], rows, cols, when);
}

void logset_reopen(struct logset *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->drivers[i]->ops->reopen)
			set->drivers[i]->ops->reopen(set->drivers[i]);
}

void logset_sync(struct logset *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->drivers[i]->ops->sync)
			set->drivers[i]->ops->sync(set->drivers[i]);
}

void logset_destroy(struct logset *set)
{
	for (size_t i = 0; i < set->n; i++)
		set->drivers[i]->ops->destroy(set->drivers[i]);
	free(set->drivers);
	logset_init(set);
}
