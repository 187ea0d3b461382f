/* Unit tests of --network and -p parsing and port formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "etc-files.h"
#include "util.h"

static void
test_network_modes(void **state)
{
  struct net_options o;
  ctool_error_t err = NULL;
  assert_int_equal(net_options_parse(NULL, &o, &err), 0);
  assert_int_equal(o.mode, NET_SLIRP4NETNS);
  net_options_clear(&o);
  assert_int_equal(net_options_parse("none", &o, &err), 0);
  assert_int_equal(o.mode, NET_NONE);
  net_options_clear(&o);
  assert_int_equal(net_options_parse("host", &o, &err), 0);
  assert_int_equal(o.mode, NET_HOST);
  net_options_clear(&o);
  assert_int_equal(net_options_parse("slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.5.0.0/16,port_handler=slirp4netns", &o, &err), 0);
  assert_int_equal(o.mode, NET_SLIRP4NETNS);
  assert_true(o.allow_host_loopback);
  assert_int_equal(o.mtu, 1500);
  assert_string_equal(o.cidr, "10.5.0.0/16");
  assert_string_equal(net_mode_dns(&o), "10.5.0.3");
  assert_string_equal(net_mode_host_gateway(&o), "10.5.0.2");
  net_options_clear(&o);
  assert_int_equal(net_options_parse("ns:/proc/1/ns/net", &o, &err), 0);
  assert_int_equal(o.mode, NET_NS_PATH);
  assert_string_equal(o.ns_path, "/proc/1/ns/net");
  net_options_clear(&o);
}

static void
expect_net_error(const char *spec, const char *needle)
{
  struct net_options o;
  ctool_error_t err = NULL;
  assert_int_equal(net_options_parse(spec, &o, &err), -1);
  assert_non_null(err);
  if (strstr(err->msg, needle) == NULL)
    fail_msg("'%s': message '%s' lacks '%s'", spec, err->msg, needle);
  ctool_error_free(&err);
}

static void
test_network_errors(void **state)
{
  expect_net_error("bridge", "invalid --network 'bridge'");
  expect_net_error("slirp4netns:mtu=9", "invalid slirp4netns mtu");
  expect_net_error("slirp4netns:bogus=1", "unknown slirp4netns option 'bogus'");
  expect_net_error("slirp4netns:allow_host_loopback=yes", "use true or false");
  expect_net_error("slirp4netns:cidr=10.0.0.0", "invalid slirp4netns cidr");
  expect_net_error("slirp4netns:port_handler=magic", "invalid port_handler");
}

static void
test_publish_forms(void **state)
{
  struct port_mapping *p = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  assert_int_equal(net_ports_parse("8080:80", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("127.0.0.1:5353:53/udp", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("127.0.0.1::9000", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("7000-7002:80-82", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("[::1]:8443:443", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("443", &p, &n, &err), 0);
  assert_int_equal(n, 8);
  assert_int_equal(p[0].host_port, 8080);
  assert_int_equal(p[0].ctr_port, 80);
  assert_string_equal(p[0].proto, "tcp");
  assert_string_equal(p[1].host_ip, "127.0.0.1");
  assert_string_equal(p[1].proto, "udp");
  assert_int_equal(p[2].host_port, 0);
  assert_int_equal(p[2].ctr_port, 9000);
  assert_int_equal(p[5].host_port, 7002);
  assert_int_equal(p[5].ctr_port, 82);
  assert_string_equal(p[6].host_ip, "::1");
  assert_int_equal(p[7].host_port, 0);
  cleanup_free char *text = net_ports_format(p, 2);
  assert_string_equal(text, "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp");
  free(p);
}

static void
expect_port_error(const char *spec, const char *needle)
{
  struct port_mapping *p = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  assert_int_equal(net_ports_parse(spec, &p, &n, &err), -1);
  if (strstr(err->msg, needle) == NULL)
    fail_msg("'%s': message '%s' lacks '%s'", spec, err->msg, needle);
  ctool_error_free(&err);
  free(p);
}

static void
test_publish_errors(void **state)
{
  expect_port_error("80/sctp", "unsupported protocol 'sctp'");
  expect_port_error("0:80", "ports go from 1 to 65535");
  expect_port_error("70000:80", "ports go from 1 to 65535");
  expect_port_error("a:b:c:d", "invalid -p");
  expect_port_error("1-3:1-2", "differ in length");
  expect_port_error("300.1.1.1:80:80", "invalid IP address");
  expect_port_error("x:80", "invalid port 'x'");
}

static void
test_privileged_port_refused(void **state)
{
  struct port_mapping *p = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  assert_int_equal(net_ports_parse("127.0.0.1:80:80", &p, &n, &err), 0);
  int r = net_ports_reserve(p, n, &err);
  if (getuid() != 0)
    {
      assert_int_equal(r, -1);
      assert_non_null(strstr(err->msg, "net.ipv4.ip_unprivileged_port_start"));
    }
  ctool_error_free(&err);
  free(p);
}

static void
test_resolv_and_hosts(void **state)
{
  cleanup_free char *r1 = etc_resolv_render("nameserver 127.0.0.53\nsearch example.org\noptions edns0\n", "10.0.2.3", NULL, NULL, NULL);
  assert_string_equal(r1, "search example.org\nnameserver 10.0.2.3\noptions edns0\n");
  char *dns[] = { "9.9.9.9", NULL };
  char *search[] = { "a.test", NULL };
  cleanup_free char *r2 = etc_resolv_render("nameserver 192.0.2.1\n", "10.0.2.3", dns, search, NULL);
  assert_string_equal(r2, "search a.test\nnameserver 9.9.9.9\n");
  cleanup_free char *r3 = etc_resolv_render("nameserver 192.0.2.1\n", "10.0.2.3", NULL, NULL, NULL);
  assert_string_equal(r3, "nameserver 192.0.2.1\n");
  struct etc_hosts_entry extra[] = { { "db", "192.0.2.7" } };
  cleanup_free char *h = etc_hosts_render("abc123", "10.0.2.100", "10.0.2.2", extra, 1);
  assert_non_null(strstr(h, "127.0.0.1\tlocalhost"));
  assert_non_null(strstr(h, "192.0.2.7\tdb\n"));
  assert_non_null(strstr(h, "10.0.2.2\thost.containers.internal"));
  assert_non_null(strstr(h, "10.0.2.100\tabc123\n"));
}

/* The metadata form of published ports reads back as it was written, and
 * prints as podman port does. */
static void
test_ports_json_and_lines(void **state)
{
  struct port_mapping *ports = NULL, *back = NULL;
  size_t n = 0, n_back = 0;
  ctool_error_t err = NULL;
  assert_int_equal(net_ports_parse("127.0.0.1:8080:80", &ports, &n, &err), 0);
  assert_int_equal(net_ports_parse("[::1]:5353:53/udp", &ports, &n, &err), 0);
  json_object *j = net_ports_to_json(ports, n);
  assert_string_equal(json_object_to_json_string_ext(json_object_array_get_idx(j, 0), JSON_C_TO_STRING_PLAIN),
                      "{\"host_ip\":\"127.0.0.1\",\"container_port\":80,\"host_port\":8080,\"range\":1,"
                      "\"protocol\":\"tcp\"}");
  assert_int_equal(net_ports_from_json(j, &back, &n_back, &err), 0);
  assert_int_equal(n_back, 2);
  assert_memory_equal(ports, back, n * sizeof *ports);
  cleanup_free char *all = net_ports_format_lines(back, n_back, 0, NULL);
  assert_string_equal(all, "80/tcp -> 127.0.0.1:8080\n53/udp -> [::1]:5353\n");
  cleanup_free char *udp = net_ports_format_lines(back, n_back, 53, "udp");
  assert_string_equal(udp, "53/udp -> [::1]:5353\n");
  cleanup_free char *none = net_ports_format_lines(back, n_back, 53, "tcp");
  assert_string_equal(none, "");
  json_object_put(j);
  free(back);

  /* What the metadata may not hold. */
  json_object *bad = json_tokener_parse("[{\"host_ip\":\"\",\"container_port\":80,\"host_port\":70000,"
                                        "\"protocol\":\"tcp\"}]");
  back = NULL;
  n_back = 0;
  assert_int_equal(net_ports_from_json(bad, &back, &n_back, &err), -1);
  ctool_error_free(&err);
  json_object_put(bad);
  bad = json_tokener_parse("[{\"host_ip\":\"\",\"container_port\":80,\"host_port\":80,\"protocol\":\"sctp\"}]");
  assert_int_equal(net_ports_from_json(bad, &back, &n_back, &err), -1);
  ctool_error_free(&err);
  json_object_put(bad);
  free(back);
  free(ports);
}

/* A run of consecutive ports is one entry in ps's PORTS and in the
 * metadata (with its "range"), as Podman shows them; port keeps a line a
 * port. A run breaks at another address, protocol, or a gap on either side. */
static void
test_port_ranges_collapse(void **state)
{
  struct port_mapping *p = NULL, *back = NULL;
  size_t n = 0, n_back = 0;
  ctool_error_t err = NULL;
  assert_int_equal(net_ports_parse("8080-8082:80-82", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("8083:83/udp", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("127.0.0.1:8084:84", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("127.0.0.1:8085:86", &p, &n, &err), 0);
  assert_int_equal(net_ports_parse("[::1]:9000-9001:90-91", &p, &n, &err), 0);
  assert_int_equal(n, 8);
  cleanup_free char *text = net_ports_format(p, n);
  assert_string_equal(text, "0.0.0.0:8080-8082->80-82/tcp, 0.0.0.0:8083->83/udp, 127.0.0.1:8084->84/tcp, "
                            "127.0.0.1:8085->86/tcp, [::1]:9000-9001->90-91/tcp");

  json_object *j = net_ports_to_json(p, n);
  assert_int_equal(json_object_array_length(j), 5);
  assert_string_equal(json_object_to_json_string_ext(json_object_array_get_idx(j, 0), JSON_C_TO_STRING_PLAIN),
                      "{\"host_ip\":\"\",\"container_port\":80,\"host_port\":8080,\"range\":3,"
                      "\"protocol\":\"tcp\"}");
  assert_int_equal(net_ports_from_json(j, &back, &n_back, &err), 0);
  assert_int_equal(n_back, n);
  assert_memory_equal(p, back, n * sizeof *p);
  cleanup_free char *lines = net_ports_format_lines(back, 3, 0, NULL);
  assert_string_equal(lines, "80/tcp -> 0.0.0.0:8080\n81/tcp -> 0.0.0.0:8081\n82/tcp -> 0.0.0.0:8082\n");
  json_object_put(j);
  free(back);

  /* A range running past 65535 is refused. */
  json_object *bad = json_tokener_parse("[{\"host_ip\":\"\",\"container_port\":80,\"host_port\":65535,"
                                        "\"range\":2,\"protocol\":\"tcp\"}]");
  back = NULL;
  n_back = 0;
  assert_int_equal(net_ports_from_json(bad, &back, &n_back, &err), -1);
  assert_non_null(strstr(err->msg, "invalid port range"));
  ctool_error_free(&err);
  json_object_put(bad);
  free(back);
  free(p);
}

/* slirp4netns takes TCP on IPv6 host addresses (ctool relays it) but not
 * UDP, which pasta forwards itself. */
static void
test_ipv6_ports_by_mode(void **state)
{
  struct net_options o;
  ctool_error_t err = NULL;
  assert_int_equal(net_options_parse(NULL, &o, &err), 0);
  assert_int_equal(net_ports_parse("[::1]:8443:443", &o.ports, &o.n_ports, &err), 0);
  assert_int_equal(net_ports_parse("127.0.0.1:5353:53/udp", &o.ports, &o.n_ports, &err), 0);
  assert_int_equal(net_ports_check_mode(&o, &err), 0);
  assert_int_equal(net_ports_parse("[::1]:5353:53/udp", &o.ports, &o.n_ports, &err), 0);
  assert_int_equal(net_ports_check_mode(&o, &err), -1);
  assert_string_equal(err->msg, "cannot publish UDP on the IPv6 address ::1: slirp4netns forwards UDP from IPv4 "
                                "addresses only; use e.g. 127.0.0.1, or --network pasta");
  ctool_error_free(&err);
  o.mode = NET_PASTA;
  assert_int_equal(net_ports_check_mode(&o, &err), 0);
  net_options_clear(&o);
}

/* -P: the image's ExposedPorts, each on a host port chosen at reserve. */
static void
test_publish_all_exposed(void **state)
{
  json_object *exposed = json_tokener_parse("{\"80/tcp\":{},\"53/udp\":{}}");
  struct port_mapping *ports = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  assert_int_equal(net_ports_from_exposed(exposed, &ports, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(ports[0].ctr_port, 80);
  assert_string_equal(ports[0].proto, "tcp");
  assert_int_equal(ports[0].host_port, 0);
  assert_int_equal(ports[1].ctr_port, 53);
  assert_string_equal(ports[1].proto, "udp");
  assert_int_equal(net_ports_reserve(ports, n, &err), 0);
  assert_true(ports[0].host_port > 0);
  assert_true(ports[1].host_port > 0);
  free(ports);

  /* With -p 127.0.0.1:8080:80 given, 80/tcp is not published again; 53/udp is. */
  ports = NULL;
  n = 0;
  assert_int_equal(net_ports_parse("127.0.0.1:8080:80", &ports, &n, &err), 0);
  assert_int_equal(net_ports_from_exposed(exposed, &ports, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(ports[0].host_port, 8080);
  assert_int_equal(ports[1].ctr_port, 53);
  assert_string_equal(ports[1].proto, "udp");
  json_object_put(exposed);
  free(ports);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_network_modes),
    cmocka_unit_test(test_network_errors),
    cmocka_unit_test(test_publish_forms),
    cmocka_unit_test(test_publish_errors),
    cmocka_unit_test(test_privileged_port_refused),
    cmocka_unit_test(test_resolv_and_hosts),
    cmocka_unit_test(test_ports_json_and_lines),
    cmocka_unit_test(test_port_ranges_collapse),
    cmocka_unit_test(test_ipv6_ports_by_mode),
    cmocka_unit_test(test_publish_all_exposed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
