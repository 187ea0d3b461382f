/* The user's terminal in raw mode while ctool relays a container's pty
 * (the foreground run, attach), and back as it was afterwards. */
#ifndef CTOOL_TTY_RAW_H
#define CTOOL_TTY_RAW_H

#include <stdbool.h>
#include <termios.h>

struct tty_raw {
  int fd;                 /* the terminal changed: stdin or stdout */
  bool active;            /* changed, to be restored */
  struct termios saved;
};

/* With INPUT (our stdin goes to the container): stdin fully raw, so that
 * every key reaches the container's pty (Ctrl-C too). Without: only
 * stdout's output processing off, so that Ctrl-C still interrupts ctool
 * (which forwards it). Either way the container's own pty already turned
 * \n into \r\n once. Nothing when that fd is no terminal. */
void tty_raw_enter(struct tty_raw *t, bool input);
/* As it was before tty_raw_enter (nothing when it changed nothing). */
void tty_raw_leave(struct tty_raw *t);

#endif
