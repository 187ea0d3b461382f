/* -p/--publish and -P: parse, check and format published ports. */
#include "network.h"
#include "fsutil.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PUBLISH_FORMS "use [[IP:][HOSTPORT]:]CONTAINERPORT[/tcp|/udp], e.g. 127.0.0.1:8080:80"

/* "80" or "8000-8010" -> first, count. */
static int
parse_port_range(const char *s, const char *spec, unsigned *first, unsigned *count, bool allow_empty, ctool_error_t *err)
{
  if (*s == '\0' && allow_empty)
    {
      *first = 0;
      *count = 0;
      return 0;
    }
  unsigned long long a, b;
  cleanup_free char *copy = xstrdup(s);
  char *dash = strchr(copy, '-');
  if (dash)
    *dash = '\0';
  if (!str_to_u64(copy, &a) || (dash && !str_to_u64(dash + 1, &b)))
    return ctool_error_set(err, 0, "invalid port '%s' in -p %s: %s", s, spec, PUBLISH_FORMS);
  if (!dash)
    b = a;
  if (a < 1 || b > 65535 || b < a)
    return ctool_error_set(err, 0, "invalid port range '%s' in -p %s: ports go from 1 to 65535", s, spec);
  *first = (unsigned) a;
  *count = (unsigned) (b - a + 1);
  return 0;
}

static void
push_mapping(struct port_mapping **ports, size_t *n, const char *ip, unsigned host, unsigned ctr, const char *proto)
{
  *ports = xrealloc(*ports, (*n + 1) * sizeof **ports);
  struct port_mapping *m = &(*ports)[(*n)++];
  memset(m, 0, sizeof *m);
  snprintf(m->host_ip, sizeof m->host_ip, "%s", ip);
  m->host_port = (uint16_t) host;
  m->ctr_port = (uint16_t) ctr;
  snprintf(m->proto, sizeof m->proto, "%s", proto);
}

int
net_ports_parse(const char *spec, struct port_mapping **ports, size_t *n, ctool_error_t *err)
{
  cleanup_free char *copy = xstrdup(spec);
  const char *proto = "tcp";
  char *slash = strrchr(copy, '/');
  if (slash)
    {
      *slash = '\0';
      proto = slash + 1;
      if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
        return ctool_error_set(err, 0, "unsupported protocol '%s' in -p %s: use tcp or udp", proto, spec);
    }

  /* Split from the right: CTR, then HOST, then IP (which may hold ':' in []). */
  char ip[46] = "";
  char *rest = copy;
  if (rest[0] == '[')
    {
      char *close = strchr(rest, ']');
      if (close == NULL || close[1] != ':' || (size_t) (close - rest - 1) >= sizeof ip)
        return ctool_error_set(err, 0, "invalid address in -p %s: %s", spec, PUBLISH_FORMS);
      memcpy(ip, rest + 1, (size_t) (close - rest - 1));
      rest = close + 2;
    }
  char *parts[3];
  int nparts = 0;
  char *tok;
  while ((tok = strsep(&rest, ":")) != NULL)
    {
      if (nparts == 3)
        return ctool_error_set(err, 0, "invalid -p %s: %s", spec, PUBLISH_FORMS);
      parts[nparts++] = tok;
    }
  const char *host_part = "", *ctr_part;
  if (nparts == 1)
    ctr_part = parts[0];
  else if (nparts == 2)
    {
      host_part = parts[0];
      ctr_part = parts[1];
    }
  else
    {
      if (ip[0])
        return ctool_error_set(err, 0, "invalid -p %s: %s", spec, PUBLISH_FORMS);
      if (strlen(parts[0]) >= sizeof ip)
        return ctool_error_set(err, 0, "invalid address '%s' in -p %s", parts[0], spec);
      snprintf(ip, sizeof ip, "%s", parts[0]);
      host_part = parts[1];
      ctr_part = parts[2];
    }
  if (ip[0])
    {
      unsigned char buf[sizeof(struct in6_addr)];
      if (inet_pton(AF_INET, ip, buf) != 1 && inet_pton(AF_INET6, ip, buf) != 1)
        return ctool_error_set(err, 0, "invalid IP address '%s' in -p %s", ip, spec);
    }
  unsigned hfirst, hcount, cfirst, ccount;
  if (parse_port_range(ctr_part, spec, &cfirst, &ccount, false, err) < 0
      || parse_port_range(host_part, spec, &hfirst, &hcount, true, err) < 0)
    return -1;
  if (hcount != 0 && hcount != ccount)
    return ctool_error_set(err, 0, "invalid -p %s: the host and container port ranges differ in length", spec);
  for (unsigned i = 0; i < ccount; i++)
    push_mapping(ports, n, ip, hcount ? hfirst + i : 0, cfirst + i, proto);
  return 0;
}

static bool
publishes(const struct port_mapping *ports, size_t n, const struct port_mapping *m)
{
  for (size_t i = 0; i < n; i++)
    if (ports[i].ctr_port == m->ctr_port && strcmp(ports[i].proto, m->proto) == 0)
      return true;
  return false;
}

int
net_ports_from_exposed(json_object *exposed, struct port_mapping **ports, size_t *n, ctool_error_t *err)
{
  if (exposed == NULL || !json_object_is_type(exposed, json_type_object))
    return 0;
  size_t given = *n;
  json_object_object_foreach(exposed, key, val)
    {
      (void) val;
      struct port_mapping *more = NULL;
      size_t n_more = 0;
      if (net_ports_parse(key, &more, &n_more, err) < 0)
        {
          free(more);
          return ctool_error_prefix(err, "the image's ExposedPorts");
        }
      /* A port -p publishes already is not published again (as Podman). */
      for (size_t i = 0; i < n_more; i++)
        if (!publishes(*ports, given, &more[i]))
          push_mapping(ports, n, more[i].host_ip, more[i].host_port, more[i].ctr_port, more[i].proto);
      free(more);
    }
  return 0;
}

static unsigned
unprivileged_port_start(void)
{
  cleanup_free char *text = NULL;
  ctool_error_t err = NULL;
  unsigned long long v;
  if (read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", &text, NULL, 64, &err) < 0)
    {
      ctool_error_free(&err);
      return 1024;
    }
  text[strcspn(text, "\n")] = '\0';
  return str_to_u64(text, &v) ? (unsigned) v : 1024;
}

/* Bind HOST_IP:PORT (0: any free one); returns the bound port or -1. */
static int
try_bind(struct port_mapping *m, int *errnum)
{
  bool v6 = strchr(m->host_ip, ':') != NULL;
  int type = strcmp(m->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;
  cleanup_close int fd = socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      *errnum = errno;
      return -1;
    }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_storage ss = { 0 };
  socklen_t len;
  if (v6)
    {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;
      s6->sin6_family = AF_INET6;
      s6->sin6_port = htons(m->host_port);
      inet_pton(AF_INET6, m->host_ip, &s6->sin6_addr);
      len = sizeof *s6;
    }
  else
    {
      struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
      s4->sin_family = AF_INET;
      s4->sin_port = htons(m->host_port);
      if (m->host_ip[0])
        inet_pton(AF_INET, m->host_ip, &s4->sin_addr);
      else
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
      len = sizeof *s4;
    }
  if (bind(fd, (struct sockaddr *) &ss, len) < 0)
    {
      *errnum = errno;
      return -1;
    }
  if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
    {
      *errnum = errno;
      return -1;
    }
  return ntohs(v6 ? ((struct sockaddr_in6 *) &ss)->sin6_port : ((struct sockaddr_in *) &ss)->sin_port);
}

int
net_ports_reserve(struct port_mapping *ports, size_t n, ctool_error_t *err)
{
  unsigned lowest = unprivileged_port_start();
  for (size_t i = 0; i < n; i++)
    {
      struct port_mapping *m = &ports[i];
      char ip[sizeof m->host_ip + 2];
      net_port_host_text(m, ip, sizeof ip);
      if (m->host_port != 0 && m->host_port < lowest && geteuid() != 0)
        return ctool_error_set(err, 0,
                               "cannot publish host port %u: ports below %u are privileged "
                               "(net.ipv4.ip_unprivileged_port_start); use a higher port, or ask an admin to run "
                               "'sysctl -w net.ipv4.ip_unprivileged_port_start=%u'",
                               m->host_port, lowest, m->host_port);
      for (size_t j = 0; j < i; j++)
        if (m->host_port != 0 && ports[j].host_port == m->host_port && strcmp(ports[j].proto, m->proto) == 0
            && (strcmp(ports[j].host_ip, m->host_ip) == 0 || !ports[j].host_ip[0] || !m->host_ip[0]))
          return ctool_error_set(err, 0, "host port %u/%s is published twice", m->host_port, m->proto);
      int errnum = 0;
      int port = try_bind(m, &errnum);
      if (port < 0 && errnum == EADDRINUSE)
        return ctool_error_set(err, 0, "host port %s:%u/%s is already in use: choose another host port with -p",
                               ip, m->host_port, m->proto);
      if (port < 0)
        return ctool_error_set(err, errnum, "cannot bind host port %s:%u/%s", ip, m->host_port, m->proto);
      m->host_port = (uint16_t) port;
    }
  return 0;
}

/* "0.0.0.0", "127.0.0.1" or "[::1]": M's host address as ps and port show it. */
const char *
net_port_host_text(const struct port_mapping *m, char *buf, size_t len)
{
  bool v6 = strchr(m->host_ip, ':') != NULL;
  snprintf(buf, len, "%s%s%s", v6 ? "[" : "", m->host_ip[0] ? m->host_ip : "0.0.0.0", v6 ? "]" : "");
  return buf;
}

/* NEXT carries on PREV's run of ports: the same address and protocol, the
 * host and the container port each one higher. */
static bool
continues_run(const struct port_mapping *prev, const struct port_mapping *next)
{
  return strcmp(prev->host_ip, next->host_ip) == 0 && strcmp(prev->proto, next->proto) == 0
         && next->host_port == prev->host_port + 1 && next->ctr_port == prev->ctr_port + 1;
}

/* How many mappings from PORTS[I] on form one run (at least 1). */
static size_t
run_length(const struct port_mapping *ports, size_t n, size_t i)
{
  size_t len = 1;
  while (i + len < n && continues_run(&ports[i + len - 1], &ports[i + len]))
    len++;
  return len;
}

char *
net_ports_format(const struct port_mapping *ports, size_t n)
{
  char *out = xstrdup("");
  for (size_t i = 0, len; i < n; i += len)
    {
      const struct port_mapping *m = &ports[i];
      char host[sizeof m->host_ip + 2];
      net_port_host_text(m, host, sizeof host);
      len = run_length(ports, n, i);
      char *next = len == 1 ? xasprintf("%s%s%s:%u->%u/%s", out, i ? ", " : "", host, m->host_port, m->ctr_port,
                                        m->proto)
                            : xasprintf("%s%s%s:%u-%zu->%u-%zu/%s", out, i ? ", " : "", host, m->host_port,
                                        m->host_port + len - 1, m->ctr_port, m->ctr_port + len - 1, m->proto);
      free(out);
      out = next;
    }
  return out;
}

json_object *
net_ports_to_json(const struct port_mapping *ports, size_t n)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0, len; i < n; i += len)
    {
      len = run_length(ports, n, i);
      json_object *o = json_object_new_object();
      json_object_object_add(o, "host_ip", json_object_new_string(ports[i].host_ip));
      json_object_object_add(o, "container_port", json_object_new_int(ports[i].ctr_port));
      json_object_object_add(o, "host_port", json_object_new_int(ports[i].host_port));
      json_object_object_add(o, "range", json_object_new_int((int) len));
      json_object_object_add(o, "protocol", json_object_new_string(ports[i].proto));
      json_object_array_add(a, o);
    }
  return a;
}

static int
json_port(json_object *o, const char *key, uint16_t *out)
{
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
    return -1;
  int64_t x = json_object_get_int64(v);
  if (x < 0 || x > 65535)
    return -1;
  *out = (uint16_t) x;
  return 0;
}

int
net_ports_from_json(json_object *a, struct port_mapping **ports, size_t *n, ctool_error_t *err)
{
  for (size_t i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a); i++)
    {
      json_object *o = json_object_array_get_idx(a, i), *ip, *proto;
      uint16_t host, ctr;
      if (!json_object_is_type(o, json_type_object) || json_port(o, "host_port", &host) < 0
          || json_port(o, "container_port", &ctr) < 0 || !json_object_object_get_ex(o, "host_ip", &ip)
          || !json_object_object_get_ex(o, "protocol", &proto))
        return ctool_error_set(err, 0, "invalid published port #%zu in the container's metadata", i + 1);
      const char *p = json_object_get_string(proto);
      if (strcmp(p, "tcp") != 0 && strcmp(p, "udp") != 0)
        return ctool_error_set(err, 0, "invalid protocol '%s' in the container's metadata", p);
      /* A run of ports is kept as its first and its length, as Podman does. */
      uint16_t range = 1;
      if (json_object_object_get_ex(o, "range", NULL)
          && (json_port(o, "range", &range) < 0 || range < 1 || host + range - 1 > 65535 || ctr + range - 1 > 65535))
        return ctool_error_set(err, 0, "invalid port range #%zu in the container's metadata", i + 1);
      for (unsigned k = 0; k < range; k++)
        push_mapping(ports, n, json_object_get_string(ip), host + k, ctr + k, p);
    }
  return 0;
}

char *
net_ports_format_lines(const struct port_mapping *ports, size_t n, unsigned port, const char *proto)
{
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++)
    {
      const struct port_mapping *m = &ports[i];
      if ((port && m->ctr_port != port) || (proto && strcmp(proto, m->proto) != 0))
        continue;
      char host[sizeof m->host_ip + 2];
      char *next = xasprintf("%s%u/%s -> %s:%u\n", out, m->ctr_port, m->proto, net_port_host_text(m, host, sizeof host),
                             m->host_port);
      free(out);
      out = next;
    }
  return out;
}
