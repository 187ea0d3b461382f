/* The client side of the attach socket (monitor-attach.h): ctool attach
 * relays a detached container's output to the terminal and the terminal
 * to its stdin, until it exits or the user types the detach keys. */
#ifndef CTOOL_ATTACH_H
#define CTOOL_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define DETACH_KEYS_MAX 32

/* Parse Podman's --detach-keys: comma-separated keys, each one character
 * or ctrl-X (X: a-z, @, [, \, ], ^, _); "" turns detaching off (*n = 0). */
int detach_keys_parse(const char *spec, unsigned char keys[DETACH_KEYS_MAX], size_t *n, ctool_error_t *err);

struct attach_opts {
  const char *rundir;        /* the container's runtime dir, with the socket */
  bool tty;                  /* it has a terminal */
  bool send_stdin;           /* pass our stdin (it was started with -i, no --no-stdin) */
  bool sig_proxy;            /* forward the signals ctool gets to PID */
  pid_t pid;
  const unsigned char *keys; /* the detach sequence, n_keys long */
  size_t n_keys;
};

enum attach_end {
  ATTACH_ENDED,      /* the container exited: *exit_code is its code */
  ATTACH_DETACHED,   /* the detach keys: it runs on */
  ATTACH_LOST,       /* the monitor went away without a code */
};

/* Attach until the end; 0 and *end, or -1 with err (no socket: not
 * attachable). */
int attach_run(const struct attach_opts *o, enum attach_end *end, int *exit_code, ctool_error_t *err);

/* ctool run -it, start -ai: attach, as ctool attach does, to container C
 * just started detached for it (start_opts.wait_attach), with the detach
 * keys KEYS_SPEC (NULL: the default), passing stdin when SEND_STDIN. Its
 * exit code, 0 when detached, or -1 with err. An --rm container is
 * removed when this returns after its exit. */
struct container;
int attach_started_container(struct container *c, const char *keys_spec, bool send_stdin, bool sig_proxy,
                             ctool_error_t *err);

#endif
