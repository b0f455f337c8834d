/* prog: ptyshim-attach's name and exit statuses, its contract with whoever
 * runs it (a shell, a manager such as demo/ptyman):
 *   the container's exit code when the container ends (from its exit file),
 *   0 after detaching,
 *   128+N when ended by signal N (SIGTERM, SIGHUP, SIGINT, SIGQUIT; 129 also
 *     when our terminal hangs up),
 *   141 when our stdout went away,
 *   1 for usage and setup errors before attaching,
 *   255 when the session ended but the container's exit code could not be
 *     found, or an error ended it (with a message either way);
 * and for --snapshot: 0 with the screen printed, 1 with a message when there
 * is none to print, 141 when stdout went away. */
#ifndef PTYSHIM_ATTACH_PROG_H
#define PTYSHIM_ATTACH_PROG_H

#define ATTACH_PROG "ptyshim-attach"

#define ATTACH_EXIT_SETUP 1
#define ATTACH_EXIT_UNKNOWN 255
#define ATTACH_EXIT_STDOUT_GONE 141

#endif
