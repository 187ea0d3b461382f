/* The attach socket of a detached container's monitor, as conmon's:
 * RUNDIR/attach, SOCK_SEQPACKET, so that every message arrives whole. A
 * message starts with a type byte.
 *
 *   monitor -> ctool attach: ATTACH_STDOUT/ATTACH_STDERR + output bytes;
 *                            ATTACH_EXIT + the exit code as text, last.
 *   ctool attach -> monitor: ATTACH_STDIN + bytes for the container's
 *                            stdin (when it was started with -i);
 *                            ATTACH_RESIZE + rows and columns (uint16 each)
 *                            for its terminal.
 *
 * A client that leaves just closes its end. The server side links only
 * libc: it lives in ctool-monitor. */
#ifndef CTOOL_MONITOR_ATTACH_H
#define CTOOL_MONITOR_ATTACH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define ATTACH_SOCKET "attach"
#define ATTACH_MSG_MAX 8192        /* payload bytes per message */
#define ATTACH_CLIENTS_MAX 8

enum attach_msg {
  ATTACH_STDOUT = 1,
  ATTACH_STDERR = 2,
  ATTACH_EXIT = 3,
  ATTACH_STDIN = 4,
  ATTACH_RESIZE = 5,
};

/* The address of DIR's attach socket, short whatever DIR's length: by
 * the /proc/self/fd link of DIRFD, an open descriptor of DIR. Returns
 * the address length. */
struct sockaddr_un;
size_t attach_address(int dirfd, struct sockaddr_un *addr);

struct attach_server {
  int listen_fd;                    /* -1: none */
  int clients[ATTACH_CLIENTS_MAX];  /* -1: free */
  int input_fd;                     /* where ATTACH_STDIN goes; -1: dropped */
  int console_fd;                   /* where ATTACH_RESIZE goes; -1: ignored */
  const char *dir;                  /* where the socket is */
};

/* Listen in DIR. Without it (-1 returned) the container runs unattachable. */
int attach_server_listen(struct attach_server *s, const char *dir, int input_fd, int console_fd);
/* Add the server's descriptors to P (room for 1 + ATTACH_CLIENTS_MAX);
 * returns how many. */
int attach_server_pollfds(const struct attach_server *s, struct pollfd *p);
/* Serve what poll found on the descriptors attach_server_pollfds added. */
void attach_server_handle(struct attach_server *s, const struct pollfd *p, int n);
/* Some client is attached. */
bool attach_server_has_clients(const struct attach_server *s);
/* Send output of STREAM (ATTACH_STDOUT, ATTACH_STDERR) to every client. */
void attach_server_send(struct attach_server *s, int stream, const char *data, size_t len);
/* The container is gone: tell the clients its exit code, close and remove
 * the socket. */
void attach_server_finish(struct attach_server *s, int code);

#endif
