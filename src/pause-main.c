/* ctool-pause: the process that keeps the user's user namespace alive.
 *
 * ctool (src/pause.c) makes it: a child unshares a user namespace, ctool
 * writes its ID maps once with newuidmap/newgidmap, and the child execs
 * this program, which only waits. Containers are then cloned into that
 * namespace, so the setuid helpers do not run for every container (as
 * Podman's pause process). It links nothing but libc, holds no file
 * open, sits in its own session, and ends on SIGTERM or SIGKILL
 * (`ctool system migrate` sends one); running containers keep their
 * namespace without it, the next start makes a new one.
 *
 * Usage: ctool-pause   (no arguments; only ctool starts it) */
#include <signal.h>
#include <unistd.h>

int
main(void)
{
  /* A terminal's signals never reach it (setsid), but a user's `kill -HUP`
   * or `kill -INT` of every process should not end the namespace either. */
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR2, SIG_IGN);
  for (;;)
    pause();
}
