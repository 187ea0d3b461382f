/* The files every container gets in /etc: hostname, hosts, resolv.conf. */
#ifndef CTOOL_ETC_FILES_H
#define CTOOL_ETC_FILES_H

#include <stddef.h>

#include "error.h"

struct etc_hosts_entry {
  const char *name;
  const char *addr;
};

/* hosts: localhost lines, the container's hostname on CTR_ADDR (NULL: on
 * 127.0.1.1), host.containers.internal on HOST_ADDR when not NULL, then
 * the extra entries (--add-host). Returns a malloc'd text. */
char *etc_hosts_render(const char *hostname, const char *ctr_addr, const char *host_addr,
                       const struct etc_hosts_entry *extra, size_t n_extra);

/* resolv.conf from the host's text: nameservers on loopback (127.0.0.53
 * and friends) are unreachable from a container and are replaced by
 * FALLBACK_DNS (slirp4netns: 10.0.2.3; NULL: dropped). DNS, SEARCH and
 * OPTIONS (NULL-ended) replace the host's when not empty. */
char *etc_resolv_render(const char *host_text, const char *fallback_dns, char *const *dns,
                        char *const *search, char *const *options);

#endif
