/* Unit tests of the cgroup flag parsers and Podman's conversions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cgroup.h"
#include "cgroup-record.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* --memory-swap -1 (unlimited) survives config.json. */
static void
test_swap_unlimited_round_trip(void **state)
{
  (void) state;
  struct cgroup_limits l, back;
  cgroup_limits_init(&l);
  l.memory = 64 << 20;
  l.memory_swap = CGROUP_SWAP_UNLIMITED;
  json_object *oci = cgroup_limits_to_oci(&l);
  json_object *mem = NULL, *swap = NULL;
  assert_true(json_object_object_get_ex(oci, "memory", &mem));
  assert_true(json_object_object_get_ex(mem, "swap", &swap));
  assert_int_equal(json_object_get_int64(swap), -1);
  cgroup_limits_from_oci(oci, &back);
  assert_int_equal(back.memory_swap, CGROUP_SWAP_UNLIMITED);
  assert_int_equal(back.memory, 64 << 20);
  json_object_put(oci);
  cgroup_limits_clear(&back);
}

static void
write_text(const char *dir, const char *name, const char *text)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* The exit of a container whose cgroup saw an OOM kill is noted for that
 * run only; the record goes; a cgroup that is gone reads as none. */
static void
test_record_oom(void **state)
{
  (void) state;
  char ctr[] = "/tmp/test-cgroup-XXXXXX";
  assert_non_null(mkdtemp(ctr));
  char cg[4200];
  snprintf(cg, sizeof cg, "%s/cg", ctr);
  assert_int_equal(mkdir(cg, 0700), 0);
  write_text(cg, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
  ctool_error_t err = NULL;
  assert_int_equal(cgroup_record_write(ctr, cg, &err), 0);
  char *read_back = cgroup_record_read(ctr);
  assert_string_equal(read_back, cg);
  free(read_back);
  assert_false(cgroup_record_oom(ctr, 42));
  cgroup_record_finish(ctr, 42);
  assert_true(cgroup_record_oom(ctr, 42));
  assert_false(cgroup_record_oom(ctr, 43)); /* another run */
  assert_null(cgroup_record_read(ctr));     /* the record went with the exit */
  /* No OOM kill: nothing noted. */
  write_text(cg, "memory.events", "oom 0\noom_kill 0\n");
  assert_int_equal(cgroup_record_write(ctr, cg, &err), 0);
  cgroup_record_finish(ctr, 44);
  assert_false(cgroup_record_oom(ctr, 44));
  /* A recorded cgroup that no longer exists reads as none. */
  char gone[4300];
  snprintf(gone, sizeof gone, "%s/gone", ctr);
  assert_int_equal(cgroup_record_write(ctr, gone, &err), 0);
  assert_null(cgroup_record_read(ctr));
  char cmd[4400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", ctr);
  assert_int_equal(system(cmd), 0);
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
    cmocka_unit_test(test_swap_unlimited_round_trip),
    cmocka_unit_test(test_record_oom),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
