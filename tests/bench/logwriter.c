/* logwriter: the k8s-file writer (src/k8slog.c) alone, in-process, fed the
 * benchmark pattern in chunks the size the shim reads (64 KiB from a pipe,
 * about 4 KiB from a PTY). It isolates the log path from the container,
 * the kernel's PTY and the scheduler, so a change to the writer can be judged
 * by repeatable instruction counts:
 *
 *   valgrind --tool=callgrind build/bench/logwriter -l 2 -t 8M /dev/shm/x.log
 *   build/bench/logcheck -l 2 -t 8388608 /dev/shm/x.log     (the output is right)
 *
 * usage: logwriter [-l LINELEN] [-c CHUNK] [-t TOTAL] FILE
 * prints lines=, user_ms_per_mib= and sys_ms_per_mib= (CPU time: the kernel's
 * share is copying the log, up to 24 times the payload for 2-byte lines),
 * ns_per_line= and mb_per_s= (wall time, for a rough idea). */
#include "shim/k8slog.h"
#include "pattern.h"
#include "base/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: logwriter [-l LINELEN] [-c CHUNK] [-t TOTAL] FILE\n");
	return 2;
}

static int parse_size(const char *s, int64_t min, int64_t max, int64_t *out)
{
	size_t n = strlen(s);
	int shift = 0;
	char buf[32];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	if (buf[n - 1] == 'K' || buf[n - 1] == 'M') {
		shift = buf[n - 1] == 'K' ? 10 : 20;
		buf[n - 1] = '\0';
	}
	if (parse_i64(buf, 0, max >> shift, out) < 0 || (*out <<= shift) < min)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int64_t line_len = 1024, chunk = 65536, total = 64 << 20;
	struct k8slog_opts kopts = {.size_max = -1, .global_size_max = -1, .no_sync = true};
	struct logdrv *drv;
	char *err = NULL, *pat;
	uint64_t records = 0;
	int opt;

	while ((opt = getopt(argc, argv, "l:c:t:")) != -1) {
		switch (opt) {
		case 'l':
			if (parse_size(optarg, 2, 1 << 20, &line_len) < 0)
				return usage();
			break;
		case 'c':
			if (parse_size(optarg, 1, 1 << 24, &chunk) < 0)
				return usage();
			break;
		case 't':
			if (parse_size(optarg, 0, INT64_MAX >> 1, &total) < 0)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	kopts.path = argv[optind];
	unlink(kopts.path);
	drv = k8slog_open(&kopts, &err);
	if (!drv) {
		fprintf(stderr, "logwriter: %s\n", err);
		return 1;
	}
	pat = pattern_buffer((size_t)line_len, (size_t)chunk);
	if (!pat) {
		fprintf(stderr, "logwriter: out of memory\n");
		return 1;
	}
	size_t period = pattern_period((size_t)line_len), off = 0;
	int64_t t0 = mono_ns(), done = 0;

	while (done < total) {
		size_t n = (size_t)(total - done < chunk ? total - done : chunk);
		struct output_chunk c = {.stream = STREAM_STDOUT, .data = pat + off, .len = n};

		/* as the shim does: one timestamp per read */
		clock_gettime(CLOCK_REALTIME, &c.when);
		drv->ops->write(drv, &c);
		done += (int64_t)n;
		off = (off + n) % period;
	}
	if (drv->ops->sync)
		drv->ops->sync(drv);
	int64_t ns = mono_ns() - t0;
	records = (uint64_t)(total / line_len); /* lines; chunk cuts add P records */
	drv->ops->destroy(drv);
	struct rusage ru;
	double mib = (double)total / 1048576.0;

	getrusage(RUSAGE_SELF, &ru);
	printf("user_ms_per_mib=%.3f\nsys_ms_per_mib=%.3f\n",
	       (ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3) / mib,
	       (ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3) / mib);
	printf("lines=%" PRIu64 "\nns_per_line=%.1f\nmb_per_s=%.1f\n", records,
	       records ? (double)ns / (double)records : 0.0, (double)total / ((double)ns / 1e9) / 1e6);
	free(pat);
	return 0;
}
