/* --network values, as Podman accepts them. */
#include "network.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

const char *
net_mode_name(enum net_mode m)
{
  switch (m)
    {
    case NET_NONE:
      return "none";
    case NET_HOST:
      return "host";
    case NET_SLIRP4NETNS:
      return "slirp4netns";
    case NET_PASTA:
      return "pasta";
    case NET_NS_PATH:
      return "ns";
    }
  return "?";
}

static int
parse_bool_value(const char *key, const char *v, bool *out, ctool_error_t *err)
{
  if (strcmp(v, "true") == 0)
    *out = true;
  else if (strcmp(v, "false") == 0)
    *out = false;
  else
    return ctool_error_set(err, 0, "invalid value '%s' for slirp4netns option %s: use true or false", v, key);
  return 0;
}

static int
parse_slirp_option(struct net_options *o, char *kv, ctool_error_t *err)
{
  char *eq = strchr(kv, '=');
  if (eq == NULL)
    return ctool_error_set(err, 0, "invalid slirp4netns option '%s': use KEY=VALUE", kv);
  *eq = '\0';
  const char *k = kv, *v = eq + 1;
  if (strcmp(k, "allow_host_loopback") == 0)
    return parse_bool_value(k, v, &o->allow_host_loopback, err);
  if (strcmp(k, "enable_ipv6") == 0)
    return parse_bool_value(k, v, &o->enable_ipv6, err);
  if (strcmp(k, "mtu") == 0)
    {
      unsigned long long m;
      if (!str_to_u64(v, &m) || m < 68 || m > 65521)
        return ctool_error_set(err, 0, "invalid slirp4netns mtu '%s': use a number from 68 to 65521", v);
      o->mtu = (unsigned) m;
      return 0;
    }
  if (strcmp(k, "cidr") == 0)
    {
      unsigned a, b, c, d, bits;
      char tail;
      if (sscanf(v, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &bits, &tail) != 5 || a > 255 || b > 255 || c > 255
          || d > 255 || bits < 8 || bits > 25)
        return ctool_error_set(err, 0, "invalid slirp4netns cidr '%s': use an IPv4 network such as 10.0.2.0/24 (prefix 8 to 25)", v);
      free(o->cidr);
      o->cidr = xstrdup(v);
      return 0;
    }
  if (strcmp(k, "outbound_addr") == 0)
    {
      free(o->outbound_addr);
      o->outbound_addr = xstrdup(v);
      return 0;
    }
  if (strcmp(k, "port_handler") == 0)
    {
      if (strcmp(v, "slirp4netns") == 0)
        o->port_handler = PORT_HANDLER_SLIRP4NETNS;
      else if (strcmp(v, "rootlesskit") == 0)
        o->port_handler = PORT_HANDLER_ROOTLESSKIT;
      else
        return ctool_error_set(err, 0, "invalid port_handler '%s': use slirp4netns or rootlesskit", v);
      return 0;
    }
  return ctool_error_set(err, 0,
                         "unknown slirp4netns option '%s': use allow_host_loopback, enable_ipv6, mtu, cidr, outbound_addr or port_handler",
                         k);
}

int
net_options_parse(const char *spec, struct net_options *o, ctool_error_t *err)
{
  memset(o, 0, sizeof *o);
  if (spec == NULL || strcmp(spec, "private") == 0 || strcmp(spec, "slirp4netns") == 0)
    {
      o->mode = NET_SLIRP4NETNS;
      return 0;
    }
  if (strcmp(spec, "none") == 0)
    o->mode = NET_NONE;
  else if (strcmp(spec, "host") == 0)
    o->mode = NET_HOST;
  else if (strcmp(spec, "pasta") == 0)
    o->mode = NET_PASTA;
  else if (str_has_prefix(spec, "ns:") && spec[3] == '/')
    {
      o->mode = NET_NS_PATH;
      o->ns_path = xstrdup(spec + 3);
    }
  else if (str_has_prefix(spec, "slirp4netns:"))
    {
      o->mode = NET_SLIRP4NETNS;
      cleanup_free char *copy = xstrdup(spec + strlen("slirp4netns:"));
      char *save = NULL;
      for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
        if (parse_slirp_option(o, kv, err) < 0)
          {
            net_options_clear(o);
            return -1;
          }
    }
  else if (str_has_prefix(spec, "pasta:"))
    {
      o->mode = NET_PASTA;
      cleanup_free char *copy = xstrdup(spec + strlen("pasta:"));
      char *save = NULL;
      for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save))
        strv_push(&o->pasta_args, a);
    }
  else
    return ctool_error_set(err, 0,
                           "invalid --network '%s': use none, host, slirp4netns[:OPTIONS], pasta[:ARGS] or ns:PATH",
                           spec);
  return 0;
}

void
net_options_clear(struct net_options *o)
{
  free(o->ns_path);
  free(o->cidr);
  free(o->outbound_addr);
  strv_free(o->pasta_args);
  free(o->ports);
  memset(o, 0, sizeof *o);
}
