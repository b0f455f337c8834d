/* child: what every program that forks needs: the clean signal state a
 * child starts from, and a wait status read as a shell's exit code. */
#ifndef PTYSHIM_CHILD_H
#define PTYSHIM_CHILD_H

/* In a freshly forked child: default dispositions for every signal
 * (SIGPIPE included: ignoring it survives exec) and an empty mask. */
void child_reset_signals(void);

/* A waitpid status as a shell reports it: the exit status, 128+signal for a
 * killed process, 255 for anything else (a stopped child is never passed). */
int child_exit_code(int wait_status);

#endif
