/* ctool port: the published ports of containers, as podman port prints
 * them ("80/tcp -> 0.0.0.0:8080"). */
#include "commands.h"
#include "container.h"
#include "container-net.h"
#include "util.h"

#include "libnet/network.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "80", "80/tcp" or "53/udp". */
static int
parse_private_port(const char *s, unsigned *port, const char **proto, ctool_error_t *err)
{
  cleanup_free char *copy = xstrdup(s);
  char *slash = strchr(copy, '/');
  *proto = NULL;
  if (slash)
    {
      *slash = '\0';
      if (strcmp(slash + 1, "tcp") == 0)
        *proto = "tcp";
      else if (strcmp(slash + 1, "udp") == 0)
        *proto = "udp";
      else
        return ctool_error_set(err, 0, "invalid protocol in '%s': use tcp or udp", s);
    }
  unsigned long long v;
  if (!str_to_u64(copy, &v) || v < 1 || v > 65535)
    return ctool_error_set(err, 0, "invalid port '%s': give PORT[/tcp|/udp], e.g. 80/tcp", s);
  *port = (unsigned) v;
  return 0;
}

static int
print_ports(const struct container *c, unsigned port, const char *proto, ctool_error_t *err)
{
  struct net_options o;
  if (ctr_net_options(c->meta, &o, err) < 0)
    return ctool_error_prefix(err, "container %s", c->name);
  int ret = 0;
  if (port)
    {
      /* One private port: only the host addresses, as Podman does. */
      bool found = false;
      for (size_t i = 0; i < o.n_ports; i++)
        {
          const struct port_mapping *m = &o.ports[i];
          if (m->ctr_port != port || (proto && strcmp(proto, m->proto) != 0))
            continue;
          found = true;
          char host[sizeof m->host_ip + 2];
          printf("%s:%u\n", net_port_host_text(m, host, sizeof host), m->host_port);
        }
      if (!found)
        ret = ctool_error_set(err, 0, "container %s does not publish port %u/%s", c->name, port, proto ? proto : "tcp");
    }
  else
    {
      cleanup_free char *lines = net_ports_format_lines(o.ports, o.n_ports, 0, NULL);
      fputs(lines, stdout);
    }
  net_options_clear(&o);
  return ret;
}

static int
print_all(const struct cli_ctx *ctx, ctool_error_t *err)
{
  struct container **list = NULL;
  size_t n = 0;
  if (container_list(ctx, &list, &n, err) < 0)
    return -1;
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      struct net_options o;
      if (ctr_net_options(list[i]->meta, &o, err) < 0)
        {
          ret = -1;
          break;
        }
      cleanup_free char *lines = net_ports_format_lines(o.ports, o.n_ports, 0, NULL);
      for (char *line = lines, *nl; *line; line = nl + 1)
        {
          nl = strchr(line, '\n');
          printf("%.12s\t%.*s\n", list[i]->id, (int) (nl - line), line);
        }
      net_options_clear(&o);
    }
  container_list_free(list, n);
  return ret;
}

static int
run_port(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  bool all = cli_flag(args, "all");
  size_t n = cli_nargs(args);
  if (all)
    {
      if (n > 0)
        return ctool_error_set(err, 0, "--all takes no container: give one or the other");
      return print_all(ctx, err);
    }
  if (n == 0)
    return ctool_error_set(err, 0, "give a container, or --all");
  unsigned port = 0;
  const char *proto = NULL;
  if (n == 2 && parse_private_port(cli_arg(args, 1), &port, &proto, err) < 0)
    return -1;
  struct container *c = NULL;
  if (container_lookup(ctx, cli_arg(args, 0), &c, err) < 0)
    return -1;
  int ret = print_ports(c, port, proto, err);
  container_free(c);
  return ret;
}

static const struct cli_option port_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "List the published ports of every container", NULL },
  { NULL },
};

/* "port", and "container port" with the same fields. */
#define PORT_COMMAND \
  .summary = "List the published ports of a container", .usage = "[options] CONTAINER [PRIVATEPORT[/PROTO]]", \
  .handler = run_port, .options = port_options, .max_args = 2, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_port = { .name = "port", PORT_COMMAND };

const struct cli_command cmd_container_port = { .name = "port", PORT_COMMAND, .alias_of = "port" };
