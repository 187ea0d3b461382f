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
  struct buf b = { 0 };
  bool have_ns = false;
  buf_add(&b, "");
  if (search && search[0])
    {
      buf_add(&b, "search");
      for (size_t i = 0; search[i]; i++)
        if (strcmp(search[i], ".") != 0)
          buf_addf(&b, " %s", search[i]);
      buf_add(&b, "\n");
    }
  if (dns && dns[0])
    {
      for (size_t i = 0; dns[i]; i++)
        buf_addf(&b, "nameserver %s\n", dns[i]);
      have_ns = true;
    }
  cleanup_free char *copy = xstrdup(host_text ? host_text : "");
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      char key[32], val[256];
      if (sscanf(line, " %31s %255s", key, val) != 2)
        continue;
      if (strcmp(key, "nameserver") == 0 && !(dns && dns[0]))
        {
          if (is_loopback_ns(val))
            continue;
          buf_addf(&b, "nameserver %s\n", val);
          have_ns = true;
        }
      else if ((strcmp(key, "search") == 0 || strcmp(key, "domain") == 0) && !(search && search[0]))
        buf_addf(&b, "%s\n", line);
      else if (strcmp(key, "options") == 0 && !(options && options[0]))
        buf_addf(&b, "%s\n", line);
    }
  /* No usable resolver left (none, or only loopback ones): the helper's. */
  if (!have_ns && fallback_dns)
    buf_addf(&b, "nameserver %s\n", fallback_dns);
  if (options && options[0])
    {
      buf_add(&b, "options");
      for (size_t i = 0; options[i]; i++)
        buf_addf(&b, " %s", options[i]);
      buf_add(&b, "\n");
    }
  return b.data;
}
