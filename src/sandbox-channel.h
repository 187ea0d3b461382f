/* The typed channel between ctool and the process it is turning into a
 * container: one SOCK_SEQPACKET socketpair (close-on-exec on both ends),
 * one message per packet, file descriptors as SCM_RIGHTS.
 *
 *   parent -> child   GO      the ID maps are written: set up
 *                     START   the hooks ran: exec
 *   child -> parent   PID     (exec) the PID of the process in the container
 *                     FD      the pty master
 *                     ERROR   a sentence and an exit code; the child exits
 *   EOF on the parent's end: the child exec'd (its end closed on exec). */
#ifndef CTOOL_SANDBOX_CHANNEL_H
#define CTOOL_SANDBOX_CHANNEL_H

#include <stdint.h>

#include "error.h"

enum channel_type {
  CHANNEL_GO = 1,
  CHANNEL_START,
  CHANNEL_PID,
  CHANNEL_FD,
  CHANNEL_ERROR,
};

#define CHANNEL_TEXT_MAX 2048

struct channel_msg {
  int32_t type;
  int32_t value;      /* PID, or the exit code of an ERROR */
  char text[CHANNEL_TEXT_MAX];
};

/* Make the pair: [0] for the parent, [1] for the child. */
int channel_open(int fds[2], ctool_error_t *err);
/* Send a message (TEXT may be NULL; FD < 0: none). Never raises SIGPIPE. */
int channel_send(int sock, enum channel_type type, int32_t value, const char *text, int fd);
/* Receive one message: 1 with *msg (and *fd when one came, else -1),
 * 0 on EOF, -1 with errno on failure. */
int channel_recv(int sock, struct channel_msg *msg, int *fd);
/* In the child: report ERR to the parent and exit with its exit code. */
_Noreturn void channel_fail(int sock, ctool_error_t *err);
/* In the child: wait for TYPE; anything else (or EOF: the parent gave up)
 * ends the child quietly. */
void channel_wait(int sock, enum channel_type type);
/* In the parent, one report of the child (M, with FD or -1): the first
 * pty master goes to *CONSOLE_FD (when CONSOLE_FD is given and holds -1),
 * any other descriptor is closed; an ERROR becomes ERR with its exit
 * code and returns -1. Else 0. */
int channel_take(const struct channel_msg *m, int fd, int *console_fd, ctool_error_t *err);
/* In the parent, after START: read the child's reports until EOF (it
 * exec'd: 0). The first pty master goes to *CONSOLE_FD (when CONSOLE_FD
 * is given and holds -1); an ERROR becomes ERR with its exit code; a
 * failed read is WHAT ("read from the container process"). */
int channel_collect(int sock, int *console_fd, const char *what, ctool_error_t *err);

#endif
