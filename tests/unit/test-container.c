/* Unit tests of the pure parts of container handling: users and groups
 * from image layers (whiteouts, opaque directories), the environment,
 * volume, ulimit and capability options, signal names, log records (read
 * and written), detach keys,
 * liveness by PID + start time, the exit record, names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "container.h"
#include "exit-record.h"
#include "fsutil.h"
#include "image-user.h"
#include "logfile.h"
#include "signals.h"
#include "spec.h"
#include "state.h"
#include "util.h"

static char tmpdir[] = "/tmp/test-container-XXXXXX";

static void
write_at(const char *rel, const char *text)
{
  char *path = xasprintf("%s/%s", tmpdir, rel);
  char *dir = xstrdup(path);
  *strrchr(dir, '/') = '\0';
  ctool_error_t err = NULL;
  assert_int_equal(mkdir_p(dir, 0755, &err), 0);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(dir);
  free(path);
}

static char **
layers(const char *a, const char *b, const char *c)
{
  char **v = xzalloc(sizeof *v);
  const char *names[] = { a, b, c };
  for (size_t i = 0; i < 3; i++)
    if (names[i])
      {
        char *p = xasprintf("%s/%s", tmpdir, names[i]);
        strv_push(&v, p);
        free(p);
      }
  return v;
}

static int
setup_tmp(void **state)
{
  (void) state;
  strcpy(tmpdir, "/tmp/test-container-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown_tmp(void **state)
{
  (void) state;
  ctool_error_t err = NULL;
  rm_rf_at(AT_FDCWD, tmpdir, &err);
  ctool_error_free(&err);
  return 0;
}

static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
                                  "# comment\n"
                                  "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                  "web:x:1000:1000::/home/web:/bin/sh\n"
                                  "broken line\n";
static const char group_text[] = "root:x:0:\n"
                                 "web:x:1000:\n"
                                 "audio:x:29:web,daemon\n"
                                 "video:x:44:daemon\n"
                                 "staff:x:50:web\n";

static void
test_passwd_and_group_parsers(void **state)
{
  (void) state;
  uint32_t uid, gid;
  char *home = NULL;
  assert_int_equal(passwd_find(passwd_text, "web", 0, &uid, &gid, &home), 0);
  assert_int_equal(uid, 1000);
  assert_int_equal(gid, 1000);
  assert_string_equal(home, "/home/web");
  free(home);
  assert_int_equal(passwd_find(passwd_text, NULL, 1, &uid, &gid, NULL), 0);
  assert_int_equal(gid, 1);
  assert_int_equal(passwd_find(passwd_text, "nobody", 0, &uid, &gid, NULL), -1);
  assert_int_equal(passwd_find(passwd_text, "broken line", 0, &uid, &gid, NULL), -1);
  assert_int_equal(group_find(group_text, "staff", &gid), 0);
  assert_int_equal(gid, 50);
  assert_int_equal(group_find(group_text, "wheel", &gid), -1);
  uint32_t *gids = NULL;
  size_t n = 0;
  group_members(group_text, "web", 1000, &gids, &n);
  assert_int_equal(n, 2);
  assert_int_equal(gids[0], 29);
  assert_int_equal(gids[1], 50);
  free(gids);
}

static void
test_layers_read_file_whiteouts(void **state)
{
  (void) state;
  char *text = NULL;
  ctool_error_t err = NULL;
  write_at("l1/etc/passwd", "bottom\n");
  write_at("l1/etc/group", "bottom-group\n");
  write_at("l2/etc/passwd", "middle\n");
  write_at("l3/other", "x");
  char **l = layers("l1", "l2", "l3");
  /* The topmost layer that has it wins. */
  assert_int_equal(layers_read_file(l, "etc/passwd", &text, &err), 0);
  assert_string_equal(text, "middle\n");
  free(text);
  /* A whiteout in a higher layer hides the file. */
  write_at("l3/etc/.wh.group", "");
  assert_int_equal(layers_read_file(l, "etc/group", &text, &err), -1);
  assert_int_equal(errno, ENOENT);
  assert_null(err);
  /* An opaque directory hides everything below it. */
  write_at("l3/etc/.wh..wh..opq", "");
  assert_int_equal(layers_read_file(l, "etc/passwd", &text, &err), -1);
  write_at("l3/etc/passwd", "top\n");
  assert_int_equal(layers_read_file(l, "etc/passwd", &text, &err), 0);
  assert_string_equal(text, "top\n");
  free(text);
  /* A whited-out parent directory. */
  char **l2 = layers("l1", "l2", NULL);
  write_at("l2/.wh.etc", "");
  assert_int_equal(layers_read_file(l2, "etc/group", &text, &err), -1);
  strv_free(l);
  strv_free(l2);
}

static void
test_image_user_resolve(void **state)
{
  (void) state;
  write_at("u/etc/passwd", passwd_text);
  write_at("u/etc/group", group_text);
  char **l = layers("u", NULL, NULL);
  struct image_user u;
  ctool_error_t err = NULL;
  assert_int_equal(image_user_resolve(l, "web", &u, &err), 0);
  assert_int_equal(u.uid, 1000);
  assert_int_equal(u.gid, 1000);
  assert_int_equal(u.n_groups, 2);
  assert_string_equal(u.home, "/home/web");
  image_user_clear(&u);
  assert_int_equal(image_user_resolve(l, "1000:staff", &u, &err), 0);
  assert_int_equal(u.gid, 50);
  assert_int_equal(u.n_groups, 0);
  image_user_clear(&u);
  /* An unknown UID is fine (group 0); an unknown name is not. */
  assert_int_equal(image_user_resolve(l, "4321", &u, &err), 0);
  assert_int_equal(u.uid, 4321);
  assert_int_equal(u.gid, 0);
  image_user_clear(&u);
  assert_int_equal(image_user_resolve(l, "", &u, &err), 0);
  assert_int_equal(u.uid, 0);
  assert_string_equal(u.home, "/root");
  image_user_clear(&u);
  assert_int_equal(image_user_resolve(l, "ghost", &u, &err), -1);
  assert_string_equal(err->msg, "unable to find user ghost: no matching entries in passwd file");
  ctool_error_free(&err);
  assert_int_equal(image_user_resolve(l, "web:nogroup", &u, &err), -1);
  ctool_error_free(&err);
  strv_free(l);
}

static void
test_env(void **state)
{
  (void) state;
  char **env = xzalloc(sizeof *env);
  env_set(&env, "A=1");
  env_set(&env, "B=2");
  env_set(&env, "A=3");
  assert_int_equal(strv_len(env), 2);
  assert_string_equal(env_get(env, "A"), "3");
  setenv("CTOOL_UNIT_HOST", "h", 1);
  setenv("CTOOL_UNIT_HOST2", "h2", 1);
  unsetenv("CTOOL_UNIT_UNSET");
  env_apply_arg(&env, "CTOOL_UNIT_HOST");
  env_apply_arg(&env, "CTOOL_UNIT_UNSET");
  env_apply_arg(&env, "CTOOL_UNIT_HOST2*");
  assert_string_equal(env_get(env, "CTOOL_UNIT_HOST"), "h");
  assert_string_equal(env_get(env, "CTOOL_UNIT_HOST2"), "h2");
  assert_null(env_get(env, "CTOOL_UNIT_UNSET"));
  write_at("envfile", "# comment\n\nC=from file\r\n  D=x=y\nCTOOL_UNIT_HOST\n");
  char *path = xasprintf("%s/envfile", tmpdir);
  ctool_error_t err = NULL;
  assert_int_equal(env_apply_file(&env, path, &err), 0);
  assert_string_equal(env_get(env, "C"), "from file");
  assert_string_equal(env_get(env, "D"), "x=y");
  write_at("badenv", "=novar\n");
  char *bad = xasprintf("%s/badenv", tmpdir);
  assert_int_equal(env_apply_file(&env, bad, &err), -1);
  ctool_error_free(&err);
  free(bad);
  free(path);
  strv_free(env);
}

static void
test_volume_parse(void **state)
{
  (void) state;
  struct volume_spec v;
  ctool_error_t err = NULL;
  char *arg = xasprintf("%s:/data:ro", tmpdir);
  assert_int_equal(volume_parse(arg, "/store", &v, &err), 0);
  assert_string_equal(v.destination, "/data");
  assert_true(v.read_only);
  assert_null(v.name);
  volume_spec_clear(&v);
  free(arg);
  assert_int_equal(volume_parse("cache:/c", "/store", &v, &err), 0);
  assert_string_equal(v.name, "cache");
  assert_string_equal(v.source, "/store/volumes/cache/_data");
  assert_false(v.anonymous);
  volume_spec_clear(&v);
  assert_int_equal(volume_parse("/anon", "/store", &v, &err), 0);
  assert_true(v.anonymous);
  assert_int_equal(strlen(v.name), 64);
  volume_spec_clear(&v);
  const char *bad[] = { "/no/such/path:/x", "x:relative", "a:/b:rx", "::/x", "a:/b:ro:extra", "bad name!:/x" };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    {
      assert_int_equal(volume_parse(bad[i], "/store", &v, &err), -1);
      assert_non_null(err);
      ctool_error_free(&err);
      volume_spec_clear(&v);
    }
}

static void
test_ulimit_parse(void **state)
{
  (void) state;
  json_object *o = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(ulimit_parse("nofile=100:200", &o, &err), 0);
  assert_string_equal(json_object_get_string(json_object_object_get(o, "type")), "RLIMIT_NOFILE");
  assert_int_equal(json_object_get_int64(json_object_object_get(o, "soft")), 100);
  assert_int_equal(json_object_get_int64(json_object_object_get(o, "hard")), 200);
  json_object_put(o);
  assert_int_equal(ulimit_parse("core=-1", &o, &err), 0);
  json_object_put(o);
  const char *bad[] = { "nofile", "nofile=a", "nofile=200:100", "bogus=1", "nofile=1:x" };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    {
      assert_int_equal(ulimit_parse(bad[i], &o, &err), -1);
      ctool_error_free(&err);
    }
}

static size_t
count_caps(char **caps, const char *name)
{
  size_t n = 0;
  for (size_t i = 0; caps[i]; i++)
    n += strcmp(caps[i], name) == 0;
  return n;
}

static void
test_caps_compute(void **state)
{
  (void) state;
  char **caps = NULL;
  ctool_error_t err = NULL;
  char *none[] = { NULL };
  assert_int_equal(caps_compute(none, none, false, &caps, &err), 0);
  assert_int_equal(strv_len(caps), 11);
  assert_int_equal(count_caps(caps, "CAP_SYS_CHROOT"), 1);
  strv_free(caps);
  char *add[] = { "net_admin", "CAP_SYS_PTRACE", NULL }, *drop[] = { "KILL", NULL };
  assert_int_equal(caps_compute(add, drop, false, &caps, &err), 0);
  assert_int_equal(strv_len(caps), 12);
  assert_int_equal(count_caps(caps, "CAP_NET_ADMIN"), 1);
  assert_int_equal(count_caps(caps, "CAP_KILL"), 0);
  strv_free(caps);
  char *all[] = { "ALL", NULL }, *chown_[] = { "CHOWN", NULL };
  assert_int_equal(caps_compute(chown_, all, false, &caps, &err), 0);
  assert_int_equal(strv_len(caps), 1);
  assert_string_equal(caps[0], "CAP_CHOWN");
  strv_free(caps);
  assert_int_equal(caps_compute(all, none, false, &caps, &err), 0);
  assert_true(strv_len(caps) > 30);
  strv_free(caps);
  char *bogus[] = { "CAP_BOGUS", NULL };
  assert_int_equal(caps_compute(bogus, none, false, &caps, &err), -1);
  assert_non_null(strstr(err->msg, "CAP_BOGUS"));
  ctool_error_free(&err);
}

static void
test_signals(void **state)
{
  (void) state;
  assert_int_equal(signal_parse("TERM"), SIGTERM);
  assert_int_equal(signal_parse("sigkill"), SIGKILL);
  assert_int_equal(signal_parse("9"), 9);
  assert_int_equal(signal_parse("RTMIN+2"), SIGRTMIN + 2);
  assert_int_equal(signal_parse("NOSIG"), -1);
  assert_int_equal(signal_parse("0"), -1);
  assert_int_equal(signal_parse("1000"), -1);
  assert_string_equal(signal_name(SIGUSR1), "USR1");
}

static void
test_log_records(void **state)
{
  (void) state;
  char buf[64];
  log_format_time(buf, sizeof buf, 1700000000123456789LL);
  char *line = xasprintf("%s stdout F hello world", buf);
  struct log_record r;
  assert_true(log_parse_line(line, &r));
  assert_string_equal(r.stream, "stdout");
  assert_false(r.partial);
  assert_string_equal(r.text, "hello world");
  assert_true(r.time_ns == 1700000000123456789LL);
  free(line);
  char p[] = "2024-01-02T03:04:05.5Z stderr P part";
  assert_true(log_parse_line(p, &r));
  assert_true(r.partial);
  assert_string_equal(r.text, "part");
  char empty[] = "2024-01-02T03:04:05Z stdout F";
  assert_true(log_parse_line(empty, &r));
  assert_string_equal(r.text, "");
  char bad[] = "garbage";
  assert_false(log_parse_line(bad, &r));
  char bad2[] = "2024-01-02T03:04:05Z stdout X text";
  assert_false(log_parse_line(bad2, &r));
}

/* Times with a fixed offset, as the monitor writes them, without the C
 * library's calendar: known dates (epoch, leap days, century rules,
 * offsets both ways), then every 7919th hour of 1970-2100 against gmtime_r.
 * Runs after test_log_records: the offset stays fixed from here on. */
static void
test_log_time_fixed_offset(void **state)
{
  (void) state;
  char buf[64];
  log_fix_utc_offset(0);
  log_format_time(buf, sizeof buf, 0);
  assert_string_equal(buf, "1970-01-01T00:00:00.000000000+00:00");
  log_format_time(buf, sizeof buf, 1700000000123456789LL);
  assert_string_equal(buf, "2023-11-14T22:13:20.123456789+00:00");
  log_format_time(buf, sizeof buf, 1709164800LL * 1000000000);
  assert_string_equal(buf, "2024-02-29T00:00:00.000000000+00:00");
  log_format_time(buf, sizeof buf, 951782400LL * 1000000000);
  assert_string_equal(buf, "2000-02-29T00:00:00.000000000+00:00");
  log_format_time(buf, sizeof buf, 4107542399LL * 1000000000 + 999999999);
  assert_string_equal(buf, "2100-02-28T23:59:59.999999999+00:00");
  log_format_time(buf, sizeof buf, 4107542400LL * 1000000000);
  assert_string_equal(buf, "2100-03-01T00:00:00.000000000+00:00");
  log_fix_utc_offset(5 * 3600 + 30 * 60);
  log_format_time(buf, sizeof buf, 1700000000123456789LL);
  assert_string_equal(buf, "2023-11-15T03:43:20.123456789+05:30");
  log_fix_utc_offset(-8 * 3600);
  log_format_time(buf, sizeof buf, 1700000000123456789LL);
  assert_string_equal(buf, "2023-11-14T14:13:20.123456789-08:00");
  log_format_time(buf, sizeof buf, 3600LL * 1000000000);
  assert_string_equal(buf, "1969-12-31T17:00:00.000000000-08:00");
  /* The record's time reads back as the same instant. */
  char *line = xasprintf("%s stdout F x", buf);
  struct log_record r;
  assert_true(log_parse_line(line, &r));
  assert_true(r.time_ns == 3600LL * 1000000000);
  free(line);
  log_fix_utc_offset(0);
  for (int64_t t = 0; t < 4102444800LL; t += 7919 * 3600LL)
    {
      time_t tt = (time_t) t;
      struct tm tm;
      char want[64];
      gmtime_r(&tt, &tm);
      strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S.000000000+00:00", &tm);
      log_format_time(buf, sizeof buf, t * 1000000000);
      assert_string_equal(buf, want);
    }
}

/* What the writer makes of output that arrives in pieces: whole lines as
 * F records (a pty's \r dropped), the rest held until the next piece or
 * the flush, then a P record. */
static void
test_log_stream_emit(void **state)
{
  (void) state;
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  static struct log_stream s = { .name = "stdout" };
  const char *pieces[] = { "one\ntw", "o\r\nthr", "ee" };
  for (size_t i = 0; i < 3; i++)
    {
      memcpy(s.buf + s.len, pieces[i], strlen(pieces[i]));
      s.len += strlen(pieces[i]);
      log_stream_emit(fds[1], &s, i == 2);
    }
  close(fds[1]);
  char out[4096];
  ssize_t n = read(fds[0], out, sizeof out - 1);
  close(fds[0]);
  assert_true(n > 0);
  out[n] = '\0';
  const char *want[][3] = { { "stdout", "F", "one" }, { "stdout", "F", "two" }, { "stdout", "P", "three" } };
  char *save = NULL, *line = strtok_r(out, "\n", &save);
  for (size_t i = 0; i < 3; i++, line = strtok_r(NULL, "\n", &save))
    {
      struct log_record r;
      assert_non_null(line);
      assert_true(log_parse_line(line, &r));
      assert_string_equal(r.stream, want[i][0]);
      assert_int_equal(r.partial, want[i][1][0] == 'P');
      assert_string_equal(r.text, want[i][2]);
      assert_true(r.time_ns > 0);
    }
  assert_null(line);
  assert_int_equal(s.len, 0);
}

static void
test_detach_keys(void **state)
{
  (void) state;
  unsigned char k[DETACH_KEYS_MAX];
  size_t n;
  ctool_error_t err = NULL;
  assert_int_equal(detach_keys_parse(DETACH_KEYS_DEFAULT, k, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(k[0], 0x10);
  assert_int_equal(k[1], 0x11);
  assert_int_equal(detach_keys_parse("ctrl-@,ctrl-[,ctrl-_,x", k, &n, &err), 0);
  assert_int_equal(n, 4);
  assert_int_equal(k[0], 0);
  assert_int_equal(k[1], 0x1b);
  assert_int_equal(k[2], 0x1f);
  assert_int_equal(k[3], 'x');
  assert_int_equal(detach_keys_parse("", k, &n, &err), 0);
  assert_int_equal(n, 0);
  const char *bad[] = { "ctrl-1", "ctrl-", "ab", ",", "ctrl-P" };
  for (size_t i = 0; i < 5; i++)
    {
      assert_int_equal(detach_keys_parse(bad[i], k, &n, &err), -1);
      assert_non_null(strstr(err->msg, "--detach-keys"));
      ctool_error_free(&err);
    }
}

static void
test_liveness_and_times(void **state)
{
  (void) state;
  unsigned long long start;
  assert_int_equal(proc_start_time(getpid(), &start), 0);
  assert_true(proc_same(getpid(), start));
  assert_false(proc_same(getpid(), start + 1));
  assert_false(proc_same(0, 0));
  /* A zombie counts as gone. */
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  unsigned long long cstart;
  for (int i = 0; i < 1000; i++)
    {
      if (proc_start_time(child, &cstart) < 0)
        break;
      usleep(1000);
    }
  assert_int_equal(proc_start_time(child, &cstart), -1);
  waitpid(child, NULL, 0);
  char t[64];
  format_time_rfc3339(t, sizeof t, 0);
  assert_string_equal(t, "0001-01-01T00:00:00Z");
  setenv("TZ", "UTC", 1);
  tzset();
  format_time_rfc3339(t, sizeof t, 1700000000120000000LL);
  assert_string_equal(t, "2023-11-14T22:13:20.12Z");
  assert_string_equal(ctr_status_name(CTR_EXITED), "exited");
  assert_int_equal(ctr_status_parse("running"), CTR_RUNNING);
  assert_int_equal(ctr_status_parse("zombie"), -1);
}

static void
test_exit_record_and_state(void **state)
{
  (void) state;
  ctool_error_t err = NULL;
  int64_t s, f;
  int code;
  assert_int_equal(exit_record_read(tmpdir, &s, &f, &code), -1);
  assert_int_equal(exit_record_write(tmpdir, 10, 20, 3, &err), 0);
  assert_int_equal(exit_record_read(tmpdir, &s, &f, &code), 0);
  assert_true(s == 10 && f == 20 && code == 3);
  /* No state.json: started once, so exited with the recorded code. */
  char *rundir = xasprintf("%s/run", tmpdir);
  struct ctr_state st;
  assert_int_equal(state_load(tmpdir, rundir, &st, &err), 0);
  assert_int_equal(st.status, CTR_EXITED);
  assert_int_equal(st.exit_code, 3);
  /* Recorded as running, by a process that is not there: exited. */
  struct ctr_state run = { .status = CTR_RUNNING, .pid = getpid(), .pid_start = 1, .started_at = 10 };
  assert_int_equal(state_save(rundir, &run, &err), 0);
  assert_int_equal(state_load(tmpdir, rundir, &st, &err), 0);
  assert_int_equal(st.status, CTR_EXITED);
  assert_int_equal(st.exit_code, 3);
  /* Really running: this process, with its start time. */
  assert_int_equal(proc_start_time(getpid(), &run.pid_start), 0);
  assert_int_equal(state_save(rundir, &run, &err), 0);
  assert_int_equal(state_load(tmpdir, rundir, &st, &err), 0);
  assert_int_equal(st.status, CTR_RUNNING);
  free(rundir);
  assert_int_equal(exit_code_from_wait_status(3 << 8), 3);
  assert_int_equal(exit_code_from_wait_status(SIGKILL), 137);
}

static void
test_names(void **state)
{
  (void) state;
  assert_true(container_name_valid("web"));
  assert_true(container_name_valid("a.b-c_d9"));
  assert_false(container_name_valid("-web"));
  assert_false(container_name_valid("bad name"));
  assert_false(container_name_valid(""));
  assert_false(container_name_valid("a/b"));
  char id[CONTAINER_ID_LEN + 1];
  container_new_id(id);
  assert_int_equal(strlen(id), 64);
  assert_int_equal(strspn(id, "0123456789abcdef"), 64);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_passwd_and_group_parsers),
    cmocka_unit_test_setup_teardown(test_layers_read_file_whiteouts, setup_tmp, teardown_tmp),
    cmocka_unit_test_setup_teardown(test_image_user_resolve, setup_tmp, teardown_tmp),
    cmocka_unit_test_setup_teardown(test_env, setup_tmp, teardown_tmp),
    cmocka_unit_test_setup_teardown(test_volume_parse, setup_tmp, teardown_tmp),
    cmocka_unit_test(test_ulimit_parse),
    cmocka_unit_test(test_caps_compute),
    cmocka_unit_test(test_signals),
    cmocka_unit_test(test_log_records),
    cmocka_unit_test(test_log_time_fixed_offset),
    cmocka_unit_test(test_log_stream_emit),
    cmocka_unit_test(test_detach_keys),
    cmocka_unit_test(test_liveness_and_times),
    cmocka_unit_test_setup_teardown(test_exit_record_and_state, setup_tmp, teardown_tmp),
    cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
