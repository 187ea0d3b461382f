/* Unit tests of a container's network as the container code sees it:
 * /etc/hosts from the options, and the options back from the metadata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "container-net.h"
#include "util.h"

static void
test_hosts_text(void **state)
{
  char *add[] = { "db.test:192.0.2.7", "gw:host-gateway", "v6:2001:db8::1", NULL };
  struct run_opts ro = { .network = "slirp4netns:cidr=10.9.0.0/24", .add_hosts = add };
  struct net_options net;
  ctool_error_t err = NULL;
  assert_int_equal(net_options_parse(ro.network, &net, &err), 0);
  cleanup_free char *h = ctr_net_hosts_text(&ro, &net, "box");
  assert_non_null(strstr(h, "192.0.2.7\tdb.test\n"));
  assert_non_null(strstr(h, "10.9.0.2\tgw\n"));
  assert_non_null(strstr(h, "2001:db8::1\tv6\n"));
  assert_non_null(strstr(h, "10.9.0.2\thost.containers.internal"));
  assert_non_null(strstr(h, "10.9.0.100\tbox\n"));
  net_options_clear(&net);

  /* --network none: no gateway, the hostname on 127.0.1.1. */
  struct run_opts none = { .network = "none" };
  assert_int_equal(net_options_parse(none.network, &net, &err), 0);
  cleanup_free char *n = ctr_net_hosts_text(&none, &net, "box");
  assert_null(strstr(n, "host.containers.internal"));
  assert_non_null(strstr(n, "127.0.1.1\tbox\n"));
  net_options_clear(&net);
}

static void
test_options_from_meta(void **state)
{
  json_object *meta = json_tokener_parse(
      "{\"Network\": \"slirp4netns:allow_host_loopback=true\", \"Ports\": [{\"host_ip\": \"127.0.0.1\", "
      "\"container_port\": 80, \"host_port\": 8080, \"range\": 1, \"protocol\": \"tcp\"}]}");
  struct net_options o;
  ctool_error_t err = NULL;
  assert_int_equal(ctr_net_options(meta, &o, &err), 0);
  assert_int_equal(o.mode, NET_SLIRP4NETNS);
  assert_true(o.allow_host_loopback);
  assert_int_equal(o.n_ports, 1);
  assert_int_equal(o.ports[0].host_port, 8080);
  assert_string_equal(o.ports[0].host_ip, "127.0.0.1");
  net_options_clear(&o);
  json_object_put(meta);

  /* Made before networking: "none" and -p kept as strings, never published. */
  meta = json_tokener_parse("{\"Network\": \"none\", \"Ports\": [\"8080:80\"]}");
  assert_int_equal(ctr_net_options(meta, &o, &err), 0);
  assert_int_equal(o.mode, NET_NONE);
  assert_int_equal(o.n_ports, 0);
  net_options_clear(&o);
  json_object_put(meta);

  /* No Network at all: none, as such containers were. */
  meta = json_tokener_parse("{}");
  assert_int_equal(ctr_net_options(meta, &o, &err), 0);
  assert_int_equal(o.mode, NET_NONE);
  net_options_clear(&o);
  json_object_put(meta);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hosts_text),
    cmocka_unit_test(test_options_from_meta),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
