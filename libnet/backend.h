/* The operations every network backend provides (network.c dispatches). */
#ifndef CTOOL_NET_BACKEND_H
#define CTOOL_NET_BACKEND_H

#include "network.h"

struct net_backend {
  const char *name;
  /* The resolver and host addresses the container sees, known before start. */
  const char *(*dns)(const struct net_options *o);
  const char *(*host_gateway)(const struct net_options *o);
  /* Start the helper for PID's network namespace and publish o->ports. */
  int (*start)(const struct net_options *o, pid_t pid, const char *rundir, struct net_handle *h,
               ctool_error_t *err);
};

extern const struct net_backend net_backend_slirp4netns;
extern const struct net_backend net_backend_pasta;

/* Shared by the backends: fork+exec ARGV with KEEP_FDS (not close-on-exec)
 * in a new session, killed (SIGTERM) when the calling process dies, in directory CWD (NULL: unchanged), stdin from
 * /dev/null, stdout and stderr to LOG_PATH. Returns the pid or -1. */
pid_t net_spawn_helper(char *const *argv, const int *keep_fds, size_t n_keep, const char *cwd,
                       const char *log_path, ctool_error_t *err);
/* The last line of a helper's log, for error messages ("" when none). */
char *net_helper_log_tail(const char *log_path);
/* Kill and reap a helper we started. */
void net_kill_helper(pid_t pid);

/* M is on an IPv6 host address, which slirp4netns cannot bind. */
bool net_port_needs_proxy(const struct port_mapping *m);
/* Listen on the IPv6 host addresses of PORTS and relay each TCP
 * connection, from inside PID's network namespace, to GUEST (the
 * container's address) and the mapping's container port (portproxy.c).
 * The proxy ends when EXIT_FD (a read end) sees EOF, or when this process
 * dies. Returns its PID, 0 when no mapping needs it, or -1. */
pid_t net_proxy_start(const struct port_mapping *ports, size_t n, pid_t pid, const char *guest, int exit_fd,
                      ctool_error_t *err);

#endif
