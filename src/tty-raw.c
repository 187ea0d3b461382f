/* Raw mode for the user's terminal (see tty-raw.h). */
#include "tty-raw.h"

#include <unistd.h>

void
tty_raw_enter(struct tty_raw *t, bool input)
{
  t->fd = input ? STDIN_FILENO : STDOUT_FILENO;
  t->active = false;
  if (!isatty(t->fd) || tcgetattr(t->fd, &t->saved) < 0)
    return;
  struct termios raw = t->saved;
  if (input)
    cfmakeraw(&raw);
  else
    raw.c_oflag &= ~(tcflag_t) OPOST;
  t->active = tcsetattr(t->fd, TCSADRAIN, &raw) == 0;
}

void
tty_raw_leave(struct tty_raw *t)
{
  if (t->active)
    tcsetattr(t->fd, TCSADRAIN, &t->saved);
  t->active = false;
}
