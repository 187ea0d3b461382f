/* Unit tests of ctool.conf: values, checks with FILE:LINE, layering of
 * files with per-key origins. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctool-conf.h"
#include "util.h"

/* Parse TEXT as "test.conf" on top of the defaults; the error message or
 * NULL. */
static char *
parse(struct ctool_config *cfg, const char *text)
{
  static char msg[512];
  ctool_error_t err = NULL;
  config_init(cfg);
  if (config_parse_text(cfg, text, "test.conf", &err) == 0)
    return NULL;
  snprintf(msg, sizeof msg, "%s", err->msg);
  ctool_error_free(&err);
  return msg;
}

static void
test_defaults(void **state)
{
  struct ctool_config cfg;
  config_init(&cfg);
  assert_string_equal(config_str(&cfg, CONFIG_NETNS), "private");
  assert_int_equal(config_int(&cfg, CONFIG_PIDS_LIMIT), 2048);
  assert_int_equal(config_int(&cfg, CONFIG_LOG_SIZE_MAX), -1);
  assert_null(config_list(&cfg, CONFIG_DEFAULT_ULIMITS)[0]);
  assert_null(config_str(&cfg, CONFIG_CGROUP_MANAGER));
  assert_null(config_str(&cfg, CONFIG_STORAGE_ROOT));
  assert_string_equal(config_str(&cfg, CONFIG_OVERLAY_MODE), "auto");
  assert_string_equal(config_origin(&cfg, CONFIG_NETNS), "default");
  assert_string_equal(config_key_name(CONFIG_PIDS_LIMIT), "containers.pids_limit");
  config_free(&cfg);
}

static void
test_all_keys(void **state)
{
  struct ctool_config cfg;
  setenv("HOME", "/home/alice", 1);
  assert_null(parse(&cfg, "# ctool.conf\n"
                          "[containers]\n"
                          "netns = \"slirp4netns\"\n"
                          "pids_limit = 100\n"
                          "default_ulimits = [\"nofile=1024:2048\", \"nproc=unlimited\"]\n"
                          "log_size_max = \"10MB\"\n"
                          "\n"
                          "[engine]\n"
                          "cgroup_manager = \"cgroupfs\"\n"
                          "[storage]\n"
                          "root = \"~/store\"\n"
                          "runroot = \"/run/user/1000/c\"\n"
                          "overlay_mode = \"fuse\"\n"));
  assert_string_equal(config_str(&cfg, CONFIG_NETNS), "slirp4netns");
  assert_string_equal(config_origin(&cfg, CONFIG_NETNS), "test.conf:3");
  assert_int_equal(config_int(&cfg, CONFIG_PIDS_LIMIT), 100);
  assert_string_equal(config_list(&cfg, CONFIG_DEFAULT_ULIMITS)[1], "nproc=unlimited");
  assert_int_equal(config_int(&cfg, CONFIG_LOG_SIZE_MAX), 10000000);
  assert_string_equal(config_origin(&cfg, CONFIG_LOG_SIZE_MAX), "test.conf:6");
  assert_string_equal(config_str(&cfg, CONFIG_CGROUP_MANAGER), "cgroupfs");
  assert_string_equal(config_str(&cfg, CONFIG_STORAGE_ROOT), "/home/alice/store");
  assert_string_equal(config_str(&cfg, CONFIG_STORAGE_RUNROOT), "/run/user/1000/c");
  assert_string_equal(config_str(&cfg, CONFIG_OVERLAY_MODE), "fuse");
  assert_string_equal(config_origin(&cfg, CONFIG_OVERLAY_MODE), "test.conf:13");
  config_free(&cfg);
}

static void
test_bad_values_name_file_and_line(void **state)
{
  struct ctool_config cfg;
  assert_string_equal(parse(&cfg, "[containers]\npids_limit = \"many\"\n"),
                      "test.conf:2: containers.pids_limit: expected an integer, got string");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\n\nnetns = \"bridge\"\n"),
                      "test.conf:3: containers.netns: 'bridge' is not valid: use private, slirp4netns[:OPTIONS], "
                      "pasta[:ARGS], host, none or ns:PATH, as --network takes them");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\nnetns = \"slirp4netns:mtu=lots\"\n"),
                      "test.conf:2: containers.netns: 'slirp4netns:mtu=lots' is not valid: use private, "
                      "slirp4netns[:OPTIONS], pasta[:ARGS], host, none or ns:PATH, as --network takes them");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\nlog_size_max = \"8k\"\n"),
                      "test.conf:2: containers.log_size_max: 8000 bytes is too small: give at least 8192 (8KiB), "
                      "or -1 for no limit");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\nlog_size_max = 0\n"),
                      "test.conf:2: containers.log_size_max: 0 bytes is too small: give at least 8192 (8KiB), "
                      "or -1 for no limit");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[engine]\ncgroup_manager = true\n"),
                      "test.conf:2: engine.cgroup_manager: expected a string, got boolean");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[storage]\nroot = \"relative/dir\"\n"),
                      "test.conf:2: storage.root: 'relative/dir' is not an absolute path");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\ndefault_ulimits = [\"nofiles=1\"]\n"),
                      "test.conf:2: containers.default_ulimits: 'nofiles=1' is not a limit: use NAME=SOFT[:HARD] such as 'nofile=1024:2048'");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\ndefault_ulimits = \"nofile=1\"\n"),
                      "test.conf:2: containers.default_ulimits: expected an array of strings, got string");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\nlog_size_max = \"ten\"\n"),
                      "test.conf:2: containers.log_size_max: 'ten' is not a size (use bytes or a number with k, m, g: '10MB')");
  config_free(&cfg);
  assert_string_equal(parse(&cfg, "[containers]\npids_limit = -2\n"),
                      "test.conf:2: containers.pids_limit: -2 is too small (the least is -1)");
  config_free(&cfg);
  /* TOML syntax errors come from the shared reader, also with the line. */
  char *msg = parse(&cfg, "[containers]\npids_limit = \n");
  assert_non_null(msg);
  assert_true(str_has_prefix(msg, "test.conf:2: "));
  config_free(&cfg);
  msg = parse(&cfg, "[containers]\npids_limit = 1\npids_limit = 2\n");
  assert_non_null(strstr(msg, "test.conf:3"));
  config_free(&cfg);
}

/* containers.netns takes what --network takes, options included. */
static void
test_netns_as_network_flag(void **state)
{
  struct ctool_config cfg;
  const char *good[] = { "none", "host", "private", "pasta", "slirp4netns:allow_host_loopback=true,mtu=1500",
                         "ns:/run/user/1000/netns/x" };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    {
      cleanup_free char *text = xasprintf("[containers]\nnetns = \"%s\"\n", good[i]);
      assert_null(parse(&cfg, text));
      assert_string_equal(config_str(&cfg, CONFIG_NETNS), good[i]);
      config_free(&cfg);
    }
  assert_non_null(parse(&cfg, "[containers]\nnetns = \"\"\n"));
  config_free(&cfg);
  /* The smallest log limit is accepted, and "8KiB" is it. */
  assert_null(parse(&cfg, "[containers]\nlog_size_max = \"8KiB\"\n"));
  assert_int_equal(config_int(&cfg, CONFIG_LOG_SIZE_MAX), 8192);
  config_free(&cfg);
}

static void
test_unknown_keys_warn_only(void **state)
{
  struct ctool_config cfg;
  ctool_log_level = LOG_LVL_ERROR; /* keep the test's output clean */
  assert_null(parse(&cfg, "top = 1\n[containers]\nnetnss = \"host\"\npids_limit = 5\n[network]\nx = 1\n[[containers.list]]\ny = 2\n"));
  assert_int_equal(config_int(&cfg, CONFIG_PIDS_LIMIT), 5);
  assert_string_equal(config_str(&cfg, CONFIG_NETNS), "private");
  config_free(&cfg);
  ctool_log_level = LOG_LVL_WARN;
}

static char *
write_temp(const char *text)
{
  char *path = xstrdup("/tmp/ctool-test-config-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
  close(fd);
  return path;
}

static void
test_later_files_override_key_by_key(void **state)
{
  cleanup_free char *sys = write_temp("[containers]\npids_limit = 10\nnetns = \"host\"\n");
  cleanup_free char *user = write_temp("[containers]\n\npids_limit = 20\n");
  char *paths[] = { sys, "/nonexistent/ctool.conf", user, NULL };
  struct ctool_config cfg;
  ctool_error_t err = NULL;
  assert_int_equal(config_load_files(&cfg, paths, false, &err), 0);
  assert_int_equal(config_int(&cfg, CONFIG_PIDS_LIMIT), 20);
  cleanup_free char *user_origin = xasprintf("%s:3", user);
  assert_string_equal(config_origin(&cfg, CONFIG_PIDS_LIMIT), user_origin);
  assert_string_equal(config_str(&cfg, CONFIG_NETNS), "host");
  cleanup_free char *sys_origin = xasprintf("%s:3", sys);
  assert_string_equal(config_origin(&cfg, CONFIG_NETNS), sys_origin);
  assert_string_equal(config_origin(&cfg, CONFIG_OVERLAY_MODE), "default");
  /* Only the files that exist are listed. */
  assert_int_equal(strv_len(cfg.files), 2);
  assert_string_equal(cfg.files[1], user);

  json_object *j = config_to_json(&cfg);
  json_object *entry = json_object_object_get(json_object_object_get(j, "Values"), "containers.pids_limit");
  assert_int_equal(json_object_get_int(json_object_object_get(entry, "Value")), 20);
  assert_string_equal(json_object_get_string(json_object_object_get(entry, "Origin")), user_origin);
  json_object_put(j);
  config_free(&cfg);

  /* must_exist (CTOOL_CONFIG): a missing file is an error. */
  char *missing[] = { "/nonexistent/ctool.conf", NULL };
  assert_int_equal(config_load_files(&cfg, missing, true, &err), -1);
  assert_non_null(strstr(err->msg, "/nonexistent/ctool.conf"));
  ctool_error_free(&err);
  unlink(sys);
  unlink(user);
}

static void
test_ctool_config_env(void **state)
{
  cleanup_free char *file = write_temp("[engine]\ncgroup_manager = \"systemd\"\n");
  setenv("CTOOL_CONFIG", file, 1);
  struct ctool_config cfg;
  ctool_error_t err = NULL;
  assert_int_equal(config_load_with_flags(&cfg, "/flag/root", NULL, &err), 0);
  assert_string_equal(config_str(&cfg, CONFIG_CGROUP_MANAGER), "systemd");
  assert_string_equal(config_str(&cfg, CONFIG_STORAGE_ROOT), "/flag/root");
  assert_string_equal(config_origin(&cfg, CONFIG_STORAGE_ROOT), "--root");
  config_free(&cfg);
  setenv("CTOOL_CONFIG", "/nonexistent/ctool.conf", 1);
  assert_int_equal(config_load(&cfg, &err), -1);
  assert_non_null(strstr(err->msg, "CTOOL_CONFIG"));
  ctool_error_free(&err);
  unsetenv("CTOOL_CONFIG");
  unlink(file);
}

static void
test_set_from_flags(void **state)
{
  struct ctool_config cfg;
  ctool_error_t err = NULL;
  config_init(&cfg);
  assert_int_equal(config_set(&cfg, CONFIG_CGROUP_MANAGER, "cgroupfs", "--cgroup-manager", &err), 0);
  assert_string_equal(config_origin(&cfg, CONFIG_CGROUP_MANAGER), "--cgroup-manager");
  assert_int_equal(config_set(&cfg, CONFIG_CGROUP_MANAGER, "openrc", "--cgroup-manager", &err), -1);
  assert_string_equal(err->msg, "--cgroup-manager: engine.cgroup_manager: 'openrc' is not valid: use systemd or cgroupfs");
  ctool_error_free(&err);
  assert_int_equal(config_set(&cfg, CONFIG_PIDS_LIMIT, "12", "--pids-limit", &err), 0);
  assert_int_equal(config_int(&cfg, CONFIG_PIDS_LIMIT), 12);
  assert_int_equal(config_set(&cfg, CONFIG_PIDS_LIMIT, "12x", "--pids-limit", &err), -1);
  ctool_error_free(&err);
  config_free(&cfg);
}

static void
test_sizes_and_ulimits(void **state)
{
  int64_t n;
  assert_int_equal(config_parse_size("1024", &n), 0), assert_int_equal(n, 1024);
  assert_int_equal(config_parse_size("10k", &n), 0), assert_int_equal(n, 10000);
  assert_int_equal(config_parse_size("10MB", &n), 0), assert_int_equal(n, 10000000);
  assert_int_equal(config_parse_size("1GiB", &n), 0), assert_int_equal(n, 1073741824);
  assert_int_equal(config_parse_size("1.5m", &n), -1);
  assert_int_equal(config_parse_size("m", &n), -1);
  assert_int_equal(config_parse_size("10x", &n), -1);
  assert_int_equal(config_parse_size("99999999999999999999", &n), -1);
  assert_true(config_ulimit_valid("nofile=1024"));
  assert_true(config_ulimit_valid("nofile=1024:2048"));
  assert_true(config_ulimit_valid("core=-1"));
  assert_true(config_ulimit_valid("memlock=unlimited:unlimited"));
  assert_false(config_ulimit_valid("nofile"));
  assert_false(config_ulimit_valid("nofile="));
  assert_false(config_ulimit_valid("nofile=a:b"));
  assert_false(config_ulimit_valid("bogus=1"));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_defaults),
    cmocka_unit_test(test_all_keys),
    cmocka_unit_test(test_bad_values_name_file_and_line),
    cmocka_unit_test(test_netns_as_network_flag),
    cmocka_unit_test(test_unknown_keys_warn_only),
    cmocka_unit_test(test_later_files_override_key_by_key),
    cmocka_unit_test(test_ctool_config_env),
    cmocka_unit_test(test_set_from_flags),
    cmocka_unit_test(test_sizes_and_ulimits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
