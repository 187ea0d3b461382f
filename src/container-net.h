/* A container's network, between libnet and the container code: the
 * options kept in its metadata, the /etc files written at create, the
 * helper started from sandbox_start's before_start hook, and its record
 * in the runtime directory (RUNROOT/containers/ID/network.json: helper
 * PID and start time, API socket, addresses). */
#ifndef CTOOL_CONTAINER_NET_H
#define CTOOL_CONTAINER_NET_H

#include <json-c/json.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"
#include "run-opts.h"
#include "libnet/network.h"

#define NET_RECORD_FILE "network.json"

/* create: the network of RO with its published ports (-p, and -P from the
 * image's ExposedPorts in IMAGE_CONFIG), every host port checked and the
 * free ones chosen. Nothing is created. */
int ctr_net_plan(const struct run_opts *ro, json_object *image_config, struct net_options *out, ctool_error_t *err);
/* The /etc/hosts and /etc/resolv.conf texts for a container of RO with
 * network NET and HOSTNAME. */
char *ctr_net_hosts_text(const struct run_opts *ro, const struct net_options *net, const char *hostname);
char *ctr_net_resolv_text(const struct run_opts *ro, const struct net_options *net);

/* The network options kept in a container's metadata (Network, Ports). */
int ctr_net_options(json_object *meta, struct net_options *out, ctool_error_t *err);
/* start, before the container exists: the published host ports are free. */
int ctr_net_check_ports(const struct container *c, ctool_error_t *err);
/* start, from the before_start hook: the helper for PID's namespaces,
 * running once this returns, recorded in network.json. *EXIT_FD gets the
 * helper's exit fd (-1: none), to be held by whoever waits for the
 * container: the helper ends when it closes. */
int ctr_net_start(const struct container *c, pid_t pid, int *exit_fd, ctool_error_t *err);
/* stop, rm, a failed start: make sure the helper is gone (kill it when it
 * still runs) and forget its record. */
void ctr_net_cleanup(const struct container *c);
/* NetworkSettings for inspect. */
json_object *ctr_net_inspect(const struct container *c);

#endif
