/* Container networking without root: the --network modes, published
 * ports, and the helper process (slirp4netns or pasta) that connects a
 * container's network namespace to the host. Backends are a small table
 * of operations (network.c); the runtime calls net_start() once the
 * container's namespaces exist and before its command runs. libnet knows
 * nothing of images and nothing of how the container was made: it gets a
 * PID whose network (and user) namespace to serve. */
#ifndef CTOOL_NETWORK_H
#define CTOOL_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "error.h"

enum net_mode {
  NET_NONE,       /* a new namespace with only lo, no helper */
  NET_HOST,       /* the host's network namespace */
  NET_SLIRP4NETNS,
  NET_PASTA,
  NET_NS_PATH,    /* ns:PATH, join an existing namespace */
};

enum port_handler { PORT_HANDLER_SLIRP4NETNS, PORT_HANDLER_ROOTLESSKIT };

struct port_mapping {
  char host_ip[46];    /* "" = all addresses */
  uint16_t host_port;
  uint16_t ctr_port;
  char proto[4];       /* "tcp" or "udp" */
};

struct net_options {
  enum net_mode mode;
  char *ns_path;                /* NET_NS_PATH */
  /* slirp4netns:... and pasta:... options */
  bool allow_host_loopback;
  bool enable_ipv6;
  unsigned mtu;                 /* 0 = backend default (65520 for slirp4netns) */
  char *cidr;                   /* "10.0.2.0/24" */
  char *outbound_addr;
  enum port_handler port_handler;
  char **pasta_args;            /* extra pasta arguments (pasta:--opt,...) */
  /* published ports */
  struct port_mapping *ports;
  size_t n_ports;
  /* Where a backend may cache what it learnt about the installed helper
   * (slirp4netns's flags), or NULL; not owned. */
  const char *cache_dir;
};

/* Parse --network: none, host, slirp4netns[:k=v,...], pasta[:args],
 * ns:PATH (also "private" = the default). NULL means the default for a
 * rootless user: slirp4netns. Errors say what the valid forms are. */
int net_options_parse(const char *spec, struct net_options *out, ctool_error_t *err);
void net_options_clear(struct net_options *o);
const char *net_mode_name(enum net_mode m);

/* Parse one -p/--publish value and append its mappings:
 * [[IP:][HOSTPORT]:]CTRPORT[/PROTO], with ranges "8000-8010:80-90". An
 * omitted host port gets a free one (as Podman does) at net_ports_reserve. */
int net_ports_parse(const char *spec, struct port_mapping **ports, size_t *n, ctool_error_t *err);
/* -P: publish each "PORT/PROTO" of the image's ExposedPorts on a free host
 * port, but those the mappings already in PORTS publish (-p wins). */
int net_ports_from_exposed(json_object *exposed, struct port_mapping **ports, size_t *n, ctool_error_t *err);
/* The published ports O's backend can serve: slirp4netns forwards UDP
 * from IPv4 host addresses only (TCP on IPv6 ones goes through ctool's
 * own relay). An error says what to use instead. */
int net_ports_check_mode(const struct net_options *o, ctool_error_t *err);
/* Check every host port can be bound now (and pick free ports for those
 * given as 0): a port below net.ipv4.ip_unprivileged_port_start, or one in
 * use, is an error naming the port and the fix, before anything starts. */
int net_ports_reserve(struct port_mapping *ports, size_t n, ctool_error_t *err);
/* "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp" as podman ps shows,
 * a run of consecutive ports in one entry: "0.0.0.0:8080-8082->80-82/tcp". */
char *net_ports_format(const struct port_mapping *ports, size_t n);
/* M's host address as ps and port print it: "0.0.0.0" when it is all of
 * them, "[::1]" for IPv6; in BUF (LEN >= sizeof m->host_ip + 2). */
const char *net_port_host_text(const struct port_mapping *m, char *buf, size_t len);
/* Ports as podman ps --format json shows them: [{"host_ip": "",
 * "container_port": 80, "host_port": 8080, "range": 1, "protocol": "tcp"}],
 * a run of consecutive ports as one entry with its "range"; and back, one
 * mapping a port (what the container's metadata keeps). */
json_object *net_ports_to_json(const struct port_mapping *ports, size_t n);
int net_ports_from_json(json_object *a, struct port_mapping **ports, size_t *n, ctool_error_t *err);
/* "80/tcp -> 0.0.0.0:8080" lines as podman port prints them, for the
 * mappings of container port PORT (0: all) and PROTO (NULL: any). */
char *net_ports_format_lines(const struct port_mapping *ports, size_t n, unsigned port, const char *proto);

/* A running network helper for one container. */
struct net_handle {
  enum net_mode mode;
  pid_t helper_pid;     /* slirp4netns or pasta; 0 when none */
  pid_t proxy_pid;      /* the relay of IPv6 host addresses (slirp4netns); 0 when none */
  int exit_fd;          /* write end: the helper exits when every copy closes */
  char *api_socket;     /* slirp4netns API socket path, or NULL */
  char *dns;            /* the resolver address inside (10.0.2.3), or NULL */
  char *host_gateway;   /* the host as seen from the container, or NULL */
  char *ctr_addr;       /* the container's address, or NULL */
};

/* Start the backend for the network namespace of PID (already in its own
 * user and network namespaces), wait until the interface is configured,
 * publish the ports. RUNDIR is a private directory for sockets. Nothing
 * is left running on failure. */
int net_start(const struct net_options *o, pid_t pid, const char *rundir, struct net_handle *out,
              ctool_error_t *err);
/* Stop the helper now (kill, reap when it is our child) and free. */
void net_stop(struct net_handle *h);
/* Forget the handle without stopping the helper (after handing exit_fd on). */
void net_handle_clear(struct net_handle *h);

/* The resolver and gateway addresses a mode gives the container, without
 * starting anything (for resolv.conf and hosts written before start). */
const char *net_mode_dns(const struct net_options *o);
const char *net_mode_host_gateway(const struct net_options *o);

/* Network settings for inspect. */
json_object *net_inspect_json(const struct net_options *o, const struct net_handle *h);

#endif
