/* Unit tests of the cgroup flag parsers and Podman's conversions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cgroup.h"

static void
test_memory_sizes(void **state)
{
  int64_t v;
  ctool_error_t err = NULL;
  assert_int_equal(cgroup_parse_memory("512m", &v, &err), 0);
  assert_int_equal(v, 512LL << 20);
  assert_int_equal(cgroup_parse_memory("1g", &v, &err), 0);
  assert_int_equal(v, 1LL << 30);
  assert_int_equal(cgroup_parse_memory("1GB", &v, &err), 0);
  assert_int_equal(v, 1LL << 30);
  assert_int_equal(cgroup_parse_memory("100k", &v, &err), 0);
  assert_int_equal(v, 102400);
  assert_int_equal(cgroup_parse_memory("4096", &v, &err), 0);
  assert_int_equal(v, 4096);
  assert_int_equal(cgroup_parse_memory("10b", &v, &err), 0);
  assert_int_equal(v, 10);
  const char *bad[] = { "", "m", "12x", "1mm", "-5m", "1bb" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    {
      assert_int_equal(cgroup_parse_memory(bad[i], &v, &err), -1);
      assert_non_null(strstr(err->msg, "invalid memory size"));
      ctool_error_free(&err);
    }
}

static void
test_cpus(void **state)
{
  struct cgroup_limits l;
  ctool_error_t err = NULL;
  cgroup_limits_init(&l);
  assert_int_equal(cgroup_parse_cpus("1.5", &l, &err), 0);
  assert_int_equal(l.cpu_quota, 150000);
  assert_int_equal(l.cpu_period, 100000);
  assert_int_equal(cgroup_parse_cpus("0", &l, &err), -1);
  ctool_error_free(&err);
  assert_int_equal(cgroup_parse_cpus("two", &l, &err), -1);
  ctool_error_free(&err);
}

static void
test_conversions(void **state)
{
  /* The values runc and Podman document for shares -> weight. */
  assert_int_equal(cgroup_shares_to_weight(2), 1);
  assert_int_equal(cgroup_shares_to_weight(1024), 39);
  assert_int_equal(cgroup_shares_to_weight(262144), 10000);
  assert_int_equal(cgroup_blkio_to_io_weight(10), 1);
  assert_int_equal(cgroup_blkio_to_io_weight(1000), 10000);
  assert_int_equal(cgroup_blkio_to_io_weight(500), 4950);
}

static void
test_oci_round_trip(void **state)
{
  struct cgroup_limits l, back;
  cgroup_limits_init(&l);
  l.memory = 1 << 20;
  l.pids_limit = 100;
  l.cpu_quota = 50000;
  l.cpu_period = 100000;
  json_object *o = cgroup_limits_to_oci(&l);
  cgroup_limits_from_oci(o, &back);
  assert_int_equal(back.memory, 1 << 20);
  assert_int_equal(back.pids_limit, 100);
  assert_int_equal(back.cpu_quota, 50000);
  assert_int_equal(back.memory_swap, -1);
  assert_null(back.cpuset_cpus);
  json_object_put(o);
  cgroup_limits_clear(&back);
}

static void
test_manager_names(void **state)
{
  enum cgroup_manager_kind k;
  ctool_error_t err = NULL;
  assert_int_equal(cgroup_manager_parse("cgroupfs", &k, &err), 0);
  assert_int_equal(k, CGROUP_MANAGER_CGROUPFS);
  assert_int_equal(cgroup_manager_parse("systemd", &k, &err), 0);
  assert_int_equal(k, CGROUP_MANAGER_SYSTEMD);
  assert_int_equal(cgroup_manager_parse("cgroupv1", &k, &err), -1);
  assert_non_null(strstr(err->msg, "use systemd or cgroupfs"));
  ctool_error_free(&err);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_memory_sizes),
    cmocka_unit_test(test_cpus),
    cmocka_unit_test(test_conversions),
    cmocka_unit_test(test_oci_round_trip),
    cmocka_unit_test(test_manager_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
