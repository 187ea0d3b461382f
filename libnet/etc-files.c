#include "etc-files.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
  char *data;
  size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s)
{
  size_t n = strlen(s);
  if (b->len + n + 1 > b->cap)
    {
      b->cap = (b->len + n + 1) * 2;
      b->data = xrealloc(b->data, b->cap);
    }
  memcpy(b->data + b->len, s, n + 1);
  b->len += n;
}

static void
buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
buf_addf(struct buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = xvasprintf(fmt, ap);
  va_end(ap);
  buf_add(b, s);
  free(s);
}

char *
etc_hosts_render(const char *hostname, const char *ctr_addr, const char *host_addr,
                 const struct etc_hosts_entry *extra, size_t n_extra)
{
  struct buf b = { 0 };
  buf_add(&b, "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n");
  buf_add(&b, "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n");
  for (size_t i = 0; i < n_extra; i++)
    buf_addf(&b, "%s\t%s\n", extra[i].addr, extra[i].name);
  if (host_addr)
    buf_addf(&b, "%s\thost.containers.internal host.docker.internal\n", host_addr);
  if (hostname && *hostname)
    buf_addf(&b, "%s\t%s\n", ctr_addr ? ctr_addr : "127.0.1.1", hostname);
  return b.data;
}

static bool
is_loopback_ns(const char *addr)
{
  return str_has_prefix(addr, "127.") || strcmp(addr, "::1") == 0;
}

char *
etc_resolv_render(const char *host_text, const char *fallback_dns, char *const *dns,
                  char *const *search, char *const *options)
{
  /* Three parts, written in the usual order: search, nameserver, options.
   * What the user gave replaces the host's part of the same kind. */
  struct buf search_part = { 0 }, ns_part = { 0 }, opt_part = { 0 };
  buf_add(&search_part, "");
  buf_add(&ns_part, "");
  buf_add(&opt_part, "");
  if (search && search[0])
    {
      buf_add(&search_part, "search");
      for (size_t i = 0; search[i]; i++)
        if (strcmp(search[i], ".") != 0)
          buf_addf(&search_part, " %s", search[i]);
      buf_add(&search_part, "\n");
    }
  for (size_t i = 0; dns && dns[i]; i++)
    buf_addf(&ns_part, "nameserver %s\n", dns[i]);
  if (options && options[0])
    {
      buf_add(&opt_part, "options");
      for (size_t i = 0; options[i]; i++)
        buf_addf(&opt_part, " %s", options[i]);
      buf_add(&opt_part, "\n");
    }
  cleanup_free char *copy = xstrdup(host_text ? host_text : "");
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      char key[32], val[256];
      if (sscanf(line, " %31s %255s", key, val) != 2)
        continue;
      /* Loopback resolvers (127.0.0.53) are unreachable from a container. */
      if (strcmp(key, "nameserver") == 0 && !(dns && dns[0]) && !is_loopback_ns(val))
        buf_addf(&ns_part, "nameserver %s\n", val);
      else if ((strcmp(key, "search") == 0 || strcmp(key, "domain") == 0) && !(search && search[0]))
        buf_addf(&search_part, "%s\n", line);
      else if (strcmp(key, "options") == 0 && !(options && options[0]))
        buf_addf(&opt_part, "%s\n", line);
    }
  /* No usable resolver left (none, or only loopback ones): the helper's. */
  if (ns_part.len == 0 && fallback_dns)
    buf_addf(&ns_part, "nameserver %s\n", fallback_dns);
  buf_add(&search_part, ns_part.data);
  buf_add(&search_part, opt_part.data);
  free(ns_part.data);
  free(opt_part.data);
  return search_part.data;
}
