/* Unit tests of the low-level runtime's pure parts: mount options, target
 * resolution inside a root, capabilities and rlimits, the seccomp profile
 * conversion, Podman's default profile, the compiled-filter cache, and the
 * parent/child channel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "rootfs.h"
#include "sandbox-channel.h"
#include "sandbox.h"
#include "security.h"
#include "sha256.h"
#include "util.h"

static json_object *
parse(const char *text)
{
  json_object *o = NULL;
  ctool_error_t err = NULL;
  if (json_parse_text(text, strlen(text), "test", &o, &err) < 0)
    fail_msg("bad test JSON: %s", err->msg);
  return o;
}

/* ---- mount options ---- */

static void
test_mount_options(void **state)
{
  (void) state;
  cleanup_json json_object *opts = parse("[\"nosuid\", \"noexec\", \"ro\", \"rw\", \"nodev\", \"mode=755\", "
                                         "\"size=65536k\", \"rprivate\", \"tmpcopyup\"]");
  struct rootfs_mount m = { .destination = (char *) "/x" };
  ctool_error_t err = NULL;
  assert_int_equal(rootfs_parse_options(opts, &m, &err), 0);
  /* "rw" after "ro" wins, as it does for mount(8). */
  assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
  assert_int_equal(m.propagation, MS_PRIVATE | MS_REC);
  assert_string_equal(m.data, "mode=755,size=65536k");
  assert_false(m.bind);
  assert_true(m.copy_up);
  free(m.data);
}

static void
test_mount_options_bind(void **state)
{
  (void) state;
  cleanup_json json_object *opts = parse("[\"rbind\", \"ro\", \"rslave\"]");
  struct rootfs_mount m = { .destination = (char *) "/x" };
  ctool_error_t err = NULL;
  assert_int_equal(rootfs_parse_options(opts, &m, &err), 0);
  assert_true(m.bind);
  assert_true(m.recursive);
  assert_int_equal(m.flags, MS_RDONLY);
  assert_int_equal(m.propagation, MS_SLAVE | MS_REC);
  assert_null(m.data);
}

static void
test_mount_options_idmap_refused(void **state)
{
  (void) state;
  cleanup_json json_object *opts = parse("[\"idmap\"]");
  struct rootfs_mount m = { .destination = (char *) "/data" };
  ctool_error_t err = NULL;
  assert_int_equal(rootfs_parse_options(opts, &m, &err), -1);
  assert_non_null(strstr(err->msg, "/data"));
  ctool_error_free(&err);
}

static void
test_plan_from_spec(void **state)
{
  (void) state;
  cleanup_json json_object *spec = parse(
    "{\"root\": {\"path\": \"/r\", \"readonly\": true},"
    " \"process\": {\"terminal\": true},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "              {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\", \"options\": [\"ro\"]}],"
    " \"linux\": {\"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
    "            \"sysctl\": {\"net.ipv4.ping_group_range\": \"0 0\"},"
    "            \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\"}]}}");
  struct rootfs_plan p;
  ctool_error_t err = NULL;
  assert_int_equal(rootfs_plan_build(spec, NULL, OVERLAY_NATIVE, NULL, NULL, NULL, &p, &err), 0);
  assert_string_equal(p.rootfs, "/r");
  assert_true(p.readonly_root);
  assert_true(p.console);
  assert_int_equal(p.n_mounts, 2);
  assert_string_equal(p.mounts[0].type, "proc");
  assert_null(p.mounts[1].type);
  assert_true(p.mounts[1].bind);
  assert_int_equal(p.mounts[1].flags, MS_RDONLY);
  assert_string_equal(p.masked[0], "/proc/kcore");
  assert_string_equal(p.readonly[0], "/proc/sys");
  assert_string_equal(p.devices[0], "/dev/fuse");
  assert_int_equal(p.n_sysctls, 1);
  assert_int_equal(p.root_propagation, MS_PRIVATE | MS_REC);
  rootfs_plan_free(&p);
}

static void
test_plan_refuses_relative_bind_source(void **state)
{
  (void) state;
  cleanup_json json_object *spec = parse(
    "{\"root\": {\"path\": \"/r\"}, \"mounts\": [{\"destination\": \"/d\", \"type\": \"bind\", \"source\": \"rel\"}]}");
  struct rootfs_plan p;
  ctool_error_t err = NULL;
  assert_int_equal(rootfs_plan_build(spec, NULL, OVERLAY_NATIVE, NULL, NULL, NULL, &p, &err), -1);
  assert_non_null(strstr(err->msg, "not an absolute path"));
  ctool_error_free(&err);
  rootfs_plan_free(&p);
}

static void
test_default_mounts(void **state)
{
  (void) state;
  cleanup_json json_object *spec = json_object_new_object();
  json_object_object_add(spec, "mounts", sandbox_default_mounts());
  struct rootfs_plan p;
  ctool_error_t err = NULL;
  assert_int_equal(rootfs_plan_build(spec, "/r", OVERLAY_NATIVE, NULL, NULL, NULL, &p, &err), 0);
  const char *want[] = { "/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/dev/shm" };
  assert_int_equal(p.n_mounts, ARRAY_SIZE(want));
  for (size_t i = 0; i < ARRAY_SIZE(want); i++)
    assert_string_equal(p.mounts[i].destination, want[i]);
  assert_non_null(strstr(p.mounts[2].data, "newinstance"));
  assert_non_null(strstr(p.mounts[2].data, "ptmxmode=0666"));
  assert_true(p.mounts[4].flags & MS_RDONLY);
  rootfs_plan_free(&p);
}

/* ---- targets inside a root ---- */

static char *
make_root(void)
{
  char tmpl[] = "/tmp/ctool-test-root-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  return xstrdup(tmpl);
}

static void
remove_root(char *root)
{
  ctool_error_t err = NULL;
  rm_rf_at(AT_FDCWD, root, &err);
  free(root);
}

static void
test_target_symlink_to_host_root_stays_inside(void **state)
{
  (void) state;
  char *root = make_root();
  cleanup_free char *evil = xasprintf("%s/evil", root);
  assert_int_equal(symlink("/", evil), 0);
  cleanup_free char *up = xasprintf("%s/up", root);
  assert_int_equal(symlink("../../../../../../tmp", up), 0);
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ctool_error_t err = NULL;

  char name[64];
  snprintf(name, sizeof name, "ctool-escape-%d", (int) getpid());
  cleanup_free char *dest = xasprintf("/evil/tmp/%s/sub", name);
  int fd = rootfs_open_target(rootfd, dest, true, &err);
  assert_true(fd >= 0);
  close(fd);
  cleanup_free char *host = xasprintf("/tmp/%s", name);
  cleanup_free char *inside = xasprintf("%s/tmp/%s/sub", root, name);
  struct stat st;
  assert_int_equal(stat(host, &st), -1);   /* nothing created on the host */
  assert_int_equal(stat(inside, &st), 0);  /* but under the root */
  assert_true(S_ISDIR(st.st_mode));

  cleanup_free char *dest2 = xasprintf("/up/%s-file", name);
  fd = rootfs_open_target(rootfd, dest2, false, &err);
  assert_true(fd >= 0);
  close(fd);
  cleanup_free char *host2 = xasprintf("/tmp/%s-file", name);
  cleanup_free char *inside2 = xasprintf("%s/tmp/%s-file", root, name);
  assert_int_equal(stat(host2, &st), -1);
  assert_int_equal(stat(inside2, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  close(rootfd);
  remove_root(root);
}

/* The same without openat2: the checked component walk of safe_openat. */
static void
test_target_symlink_fallback_walk(void **state)
{
  safe_openat_no_openat2 = true;
  test_target_symlink_to_host_root_stays_inside(state);
  safe_openat_no_openat2 = false;
}

static void
test_target_dangling_symlink_replaced(void **state)
{
  (void) state;
  char *root = make_root();
  cleanup_free char *etc = xasprintf("%s/etc", root);
  assert_int_equal(mkdir(etc, 0755), 0);
  cleanup_free char *link = xasprintf("%s/etc/resolv.conf", root);
  assert_int_equal(symlink("/run/nowhere/resolv.conf", link), 0);
  int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ctool_error_t err = NULL;
  int fd = rootfs_open_target(rootfd, "/etc/resolv.conf", false, &err);
  assert_true(fd >= 0);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  close(fd);
  close(rootfd);
  remove_root(root);
}

/* ---- capabilities, rlimits ---- */

static void
test_cap_names(void **state)
{
  (void) state;
  assert_int_equal(security_cap_from_name("CAP_CHOWN"), 0);
  assert_int_equal(security_cap_from_name("cap_sys_admin"), 21);
  assert_int_equal(security_cap_from_name("NET_RAW"), 13);
  assert_int_equal(security_cap_from_name("CAP_NOPE"), -1);
}

static void
test_caps_parse(void **state)
{
  (void) state;
  cleanup_json json_object *caps = parse("{\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"], \"effective\": [\"CAP_KILL\"]}");
  struct security_caps c;
  ctool_error_t err = NULL;
  assert_int_equal(security_caps_parse(caps, &c, &err), 0);
  assert_true(c.present);
  assert_int_equal(c.bounding, (1u << 0) | (1u << 5));
  assert_int_equal(c.effective, 1u << 5);
  assert_int_equal(c.permitted, 0);

  cleanup_json json_object *bad = parse("{\"bounding\": [\"CAP_BOGUS\"]}");
  assert_int_equal(security_caps_parse(bad, &c, &err), -1);
  assert_non_null(strstr(err->msg, "CAP_BOGUS"));
  ctool_error_free(&err);
}

static void
test_default_caps_mask(void **state)
{
  (void) state;
  /* The mask rootless Podman's containers show in CapEff. */
  uint64_t mask = 0;
  for (size_t i = 0; sandbox_default_caps[i]; i++)
    mask |= UINT64_C(1) << security_cap_from_name(sandbox_default_caps[i]);
  assert_int_equal(mask, 0x800405fbULL);
}

static void
test_rlimits_parse(void **state)
{
  (void) state;
  cleanup_json json_object *r = parse("[{\"type\": \"RLIMIT_NOFILE\", \"hard\": 4096, \"soft\": 1024},"
                                      " {\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": 0}]");
  struct security_rlimit *lim;
  size_t n;
  ctool_error_t err = NULL;
  assert_int_equal(security_rlimits_parse(r, &lim, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_int_equal(lim[0].resource, RLIMIT_NOFILE);
  assert_int_equal(lim[0].limit.rlim_max, 4096);
  assert_int_equal(lim[0].limit.rlim_cur, 1024);
  assert_true(lim[1].limit.rlim_max == RLIM_INFINITY);
  free(lim);

  cleanup_json json_object *bad = parse("[{\"type\": \"RLIMIT_BOGUS\", \"hard\": 1, \"soft\": 1}]");
  assert_int_equal(security_rlimits_parse(bad, &lim, &n, &err), -1);
  ctool_error_free(&err);
}

/* ---- seccomp ---- */

static json_object *
find_rule(json_object *seccomp, const char *name, const char *action)
{
  json_object *rules = json_get_array(seccomp, "syscalls");
  for (size_t i = 0; i < json_object_array_length(rules); i++)
    {
      json_object *r = json_object_array_get_idx(rules, i);
      if (action && strcmp(json_get_str(r, "action"), action) != 0)
        continue;
      json_object *names = json_get_array(r, "names");
      for (size_t j = 0; j < json_object_array_length(names); j++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(names, j)), name) == 0)
          return r;
    }
  return NULL;
}

static void
test_default_seccomp(void **state)
{
  (void) state;
  cleanup_json json_object *s = sandbox_default_seccomp((char *const *) sandbox_default_caps);
  assert_string_equal(json_get_str(s, "defaultAction"), "SCMP_ACT_ERRNO");
  assert_int_equal(json_get_int(s, "defaultErrnoRet", 0), ENOSYS);
#if defined(__x86_64__)
  json_object *arches = json_get_array(s, "architectures");
  assert_int_equal(json_object_array_length(arches), 3);
  assert_string_equal(json_object_get_string(json_object_array_get_idx(arches, 0)), "SCMP_ARCH_X86_64");
  assert_non_null(find_rule(s, "arch_prctl", "SCMP_ACT_ALLOW"));
#endif
  assert_non_null(find_rule(s, "read", "SCMP_ACT_ALLOW"));
  assert_non_null(find_rule(s, "keyctl", "SCMP_ACT_ALLOW")); /* Podman allows it */
  assert_non_null(find_rule(s, "userfaultfd", "SCMP_ACT_ERRNO"));
  assert_null(find_rule(s, "add_key", NULL));                /* ENOSYS by default */
  /* Without CAP_SYS_ADMIN in the bounding set: EPERM; CAP_SYS_CHROOT: allowed. */
  assert_non_null(find_rule(s, "sethostname", "SCMP_ACT_ERRNO"));
  assert_null(find_rule(s, "sethostname", "SCMP_ACT_ALLOW"));
  assert_non_null(find_rule(s, "chroot", "SCMP_ACT_ALLOW"));
  assert_null(find_rule(s, "s390_runtime_instr", NULL));
}

static void
test_default_seccomp_follows_caps(void **state)
{
  (void) state;
  char *caps[] = { (char *) "CAP_SYS_ADMIN", (char *) "CAP_AUDIT_WRITE", NULL };
  cleanup_json json_object *s = sandbox_default_seccomp(caps);
  assert_non_null(find_rule(s, "sethostname", "SCMP_ACT_ALLOW"));
  assert_null(find_rule(s, "sethostname", "SCMP_ACT_ERRNO"));
  assert_null(find_rule(s, "chroot", "SCMP_ACT_ALLOW"));
  assert_non_null(find_rule(s, "chroot", "SCMP_ACT_ERRNO"));
  json_object *sock = find_rule(s, "socket", "SCMP_ACT_ALLOW");
  assert_non_null(sock);
  assert_null(json_get_array(sock, "args")); /* any socket with CAP_AUDIT_WRITE */
}

static void
test_profile_conversion(void **state)
{
  (void) state;
  cleanup_json json_object *profile = parse(
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
    " \"subArchitectures\": [\"SCMP_ARCH_X86\"]}, {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": []}],"
    " \"syscalls\": [{\"name\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"},"
    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_PTRACE\"]}},"
    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"excludes\": {\"caps\": [\"CAP_SYS_PTRACE\"]}},"
    "  {\"names\": [\"vm86\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"x86\"]}}]}");
  char *caps[] = { (char *) "CAP_KILL", NULL };
  json_object *out = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(sandbox_seccomp_from_profile(profile, caps, &out, &err), 0);
  assert_non_null(find_rule(out, "read", "SCMP_ACT_ALLOW"));
  assert_null(find_rule(out, "ptrace", "SCMP_ACT_ALLOW"));
  json_object *eperm = find_rule(out, "ptrace", "SCMP_ACT_ERRNO");
  assert_non_null(eperm);
  assert_int_equal(json_get_int(eperm, "errnoRet", 0), 1);
  assert_null(find_rule(out, "vm86", NULL));
#if defined(__x86_64__)
  assert_int_equal(json_object_array_length(json_get_array(out, "architectures")), 2);
#endif
  json_object_put(out);

  cleanup_json json_object *both = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"],"
                                         " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}");
  assert_int_equal(sandbox_seccomp_from_profile(both, caps, &out, &err), -1);
  assert_non_null(strstr(err->msg, "archMap"));
  ctool_error_free(&err);
}

static void
test_seccomp_cache(void **state)
{
  (void) state;
  char *dir = make_root();
  cleanup_free char *cache = xasprintf("%s/cache/seccomp", dir);
  cleanup_json json_object *s = sandbox_default_seccomp((char *const *) sandbox_default_caps);
  struct security_seccomp a, b;
  ctool_error_t err = NULL;
  assert_int_equal(security_seccomp_prepare(s, cache, &a, &err), 0);
  assert_false(a.from_cache);
  assert_true(a.len > 0 && a.len % 8 == 0);
  assert_non_null(a.save_path);
  security_seccomp_save(&a);   /* creates the directory too */
  assert_null(a.save_path);
  assert_int_equal(security_seccomp_prepare(s, cache, &b, &err), 0);
  assert_true(b.from_cache);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.bpf, b.bpf, a.len);
  cleanup_free char *name = security_seccomp_cache_name(s);
  assert_int_equal(strlen(name), 64 + 4);
  cleanup_free char *path = xasprintf("%s/%s", cache, name);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);

  /* Another profile, another file. */
  char *caps[] = { (char *) "CAP_SYS_ADMIN", NULL };
  cleanup_json json_object *s2 = sandbox_default_seccomp(caps);
  cleanup_free char *name2 = security_seccomp_cache_name(s2);
  assert_string_not_equal(name, name2);
  security_seccomp_free(&a);
  security_seccomp_free(&b);

  /* A truncated cache file is not trusted: compiled again. */
  assert_int_equal(truncate(path, 5), 0);
  assert_int_equal(security_seccomp_prepare(s, cache, &a, &err), 0);
  assert_false(a.from_cache);
  security_seccomp_free(&a);
  remove_root(dir);
}

static void
test_seccomp_bad_profile(void **state)
{
  (void) state;
  cleanup_json json_object *s = parse("{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"syscalls\": []}");
  struct security_seccomp f;
  ctool_error_t err = NULL;
  assert_int_equal(security_seccomp_prepare(s, NULL, &f, &err), -1);
  assert_non_null(strstr(err->msg, "SCMP_ACT_NOTIFY"));
  ctool_error_free(&err);

  cleanup_json json_object *op = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
                                       " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": \"SCMP_CMP_ODD\"}]}]}");
  assert_int_equal(security_seccomp_prepare(op, NULL, &f, &err), -1);
  assert_non_null(strstr(err->msg, "SCMP_CMP_ODD"));
  ctool_error_free(&err);
}

/* ---- sha256 ---- */

static void
test_sha256(void **state)
{
  (void) state;
  char hex[65];
  sha256_hex("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha256_hex("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256_hex(two, strlen(two), hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* Fed in odd pieces, a million 'a's. */
  struct sha256 s;
  unsigned char md[32];
  char chunk[997];
  memset(chunk, 'a', sizeof chunk);
  sha256_init(&s);
  size_t left = 1000000;
  while (left)
    {
      size_t n = left < sizeof chunk ? left : sizeof chunk;
      sha256_update(&s, chunk, n);
      left -= n;
    }
  sha256_final(&s, md);
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* ---- the channel ---- */

static void
test_channel(void **state)
{
  (void) state;
  int sv[2];
  ctool_error_t err = NULL;
  assert_int_equal(channel_open(sv, &err), 0);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  assert_int_equal(channel_send(sv[1], CHANNEL_FD, 7, NULL, devnull), 0);
  assert_int_equal(channel_send(sv[1], CHANNEL_ERROR, 127, "executable file `x` not found in $PATH", -1), 0);
  close(devnull);
  close(sv[1]);

  struct channel_msg m;
  int fd;
  assert_int_equal(channel_recv(sv[0], &m, &fd), 1);
  assert_int_equal(m.type, CHANNEL_FD);
  assert_int_equal(m.value, 7);
  assert_true(fd >= 0);
  assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  close(fd);
  assert_int_equal(channel_recv(sv[0], &m, &fd), 1);
  assert_int_equal(m.type, CHANNEL_ERROR);
  assert_int_equal(m.value, 127);
  assert_string_equal(m.text, "executable file `x` not found in $PATH");
  assert_int_equal(fd, -1);
  assert_int_equal(channel_recv(sv[0], &m, &fd), 0); /* EOF */
  close(sv[0]);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mount_options),
    cmocka_unit_test(test_mount_options_bind),
    cmocka_unit_test(test_mount_options_idmap_refused),
    cmocka_unit_test(test_plan_from_spec),
    cmocka_unit_test(test_plan_refuses_relative_bind_source),
    cmocka_unit_test(test_default_mounts),
    cmocka_unit_test(test_target_symlink_to_host_root_stays_inside),
    cmocka_unit_test(test_target_symlink_fallback_walk),
    cmocka_unit_test(test_target_dangling_symlink_replaced),
    cmocka_unit_test(test_cap_names),
    cmocka_unit_test(test_caps_parse),
    cmocka_unit_test(test_default_caps_mask),
    cmocka_unit_test(test_rlimits_parse),
    cmocka_unit_test(test_default_seccomp),
    cmocka_unit_test(test_default_seccomp_follows_caps),
    cmocka_unit_test(test_profile_conversion),
    cmocka_unit_test(test_seccomp_cache),
    cmocka_unit_test(test_seccomp_bad_profile),
    cmocka_unit_test(test_sha256),
    cmocka_unit_test(test_channel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
