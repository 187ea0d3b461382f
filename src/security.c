/* Capabilities, rlimits, no_new_privs and seccomp for a container process. */
#include "security.h"

#include "fsutil.h"
#include "jsonutil.h"
#include "sha256.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A member of any type (json_get_obj only returns objects). */
static json_object *
member(json_object *o, const char *key)
{
  json_object *v;
  return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* ---- capabilities ---- */

int
security_cap_from_name(const char *name)
{
  char lower[64];
  size_t off = 0;
  if (strncasecmp(name, "cap_", 4) != 0)
    {
      memcpy(lower, "cap_", 4);
      off = 4;
    }
  size_t len = strlen(name);
  if (len + off >= sizeof lower)
    return -1;
  for (size_t i = 0; i <= len; i++)
    lower[off + i] = (char) tolower((unsigned char) name[i]);
  cap_value_t v;
  if (cap_from_name(lower, &v) < 0 || v < 0 || v >= 64)
    return -1;
  return (int) v;
}

static int
caps_mask(json_object *caps, const char *set, uint64_t *out, ctool_error_t *err)
{
  json_object *arr = json_get_array(caps, set);
  *out = 0;
  size_t n = arr ? json_object_array_length(arr) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *name = json_object_get_string(json_object_array_get_idx(arr, i));
      int v = name ? security_cap_from_name(name) : -1;
      if (v < 0)
        return ctool_error_set(err, 0, "unknown capability '%s' in process.capabilities.%s", name ? name : "",
                               set);
      *out |= UINT64_C(1) << v;
    }
  return 0;
}

int
security_caps_parse(json_object *capabilities, struct security_caps *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  if (capabilities == NULL)
    return 0;
  out->present = true;
  if (caps_mask(capabilities, "bounding", &out->bounding, err) < 0
      || caps_mask(capabilities, "effective", &out->effective, err) < 0
      || caps_mask(capabilities, "permitted", &out->permitted, err) < 0
      || caps_mask(capabilities, "inheritable", &out->inheritable, err) < 0
      || caps_mask(capabilities, "ambient", &out->ambient, err) < 0)
    return -1;
  return 0;
}

int
security_caps_apply_bounding(const struct security_caps *caps, ctool_error_t *err)
{
  if (!caps->present)
    return 0;
  int last = (int) cap_max_bits() - 1;
  for (int c = 0; c <= last && c < 64; c++)
    {
      if (caps->bounding & (UINT64_C(1) << c))
        continue;
      if (cap_drop_bound((cap_value_t) c) < 0 && errno != EINVAL)
        return ctool_error_set(err, errno, "drop capability %s from the bounding set", cap_to_name((cap_value_t) c));
    }
  return 0;
}

static void
caps_fill(cap_t c, cap_flag_t flag, uint64_t mask, int last)
{
  for (int v = 0; v <= last && v < 64; v++)
    if (mask & (UINT64_C(1) << v))
      {
        cap_value_t cv = v;
        cap_set_flag(c, flag, 1, &cv, CAP_SET);
      }
}

int
security_caps_apply(const struct security_caps *caps, ctool_error_t *err)
{
  if (!caps->present)
    return 0;
  int last = (int) cap_max_bits() - 1;
  cap_t c = cap_init();
  if (c == NULL)
    return ctool_error_set(err, errno, "cap_init");
  caps_fill(c, CAP_EFFECTIVE, caps->effective, last);
  caps_fill(c, CAP_PERMITTED, caps->permitted, last);
  caps_fill(c, CAP_INHERITABLE, caps->inheritable, last);
  int r = cap_set_proc(c);
  int e = errno;
  cap_free(c);
  if (r < 0)
    return ctool_error_set(err, e, "set capabilities");
  if (cap_reset_ambient() < 0 && errno != EINVAL)
    return ctool_error_set(err, errno, "clear the ambient capabilities");
  for (int v = 0; v <= last && v < 64; v++)
    if (caps->ambient & (UINT64_C(1) << v))
      /* A cap outside permitted or inheritable cannot be ambient: skipped as runtimes do. */
      if (cap_set_ambient((cap_value_t) v, CAP_SET) < 0 && errno != EPERM && errno != EINVAL)
        return ctool_error_set(err, errno, "raise ambient capability %s", cap_to_name((cap_value_t) v));
  return 0;
}

/* ---- rlimits ---- */

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int
security_rlimit_from_name(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
    if (strcasecmp(name, rlimit_names[i].name) == 0)
      return rlimit_names[i].resource;
  return -1;
}

static const char *
rlimit_name(int resource)
{
  for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++)
    if (rlimit_names[i].resource == resource)
      return rlimit_names[i].name;
  return "RLIMIT_?";
}

int
security_rlimits_parse(json_object *rlimits, struct security_rlimit **out, size_t *n, ctool_error_t *err)
{
  *out = NULL;
  *n = 0;
  size_t len = rlimits && json_object_is_type(rlimits, json_type_array) ? json_object_array_length(rlimits) : 0;
  if (len == 0)
    return 0;
  struct security_rlimit *r = xzalloc(len * sizeof *r);
  for (size_t i = 0; i < len; i++)
    {
      json_object *o = json_object_array_get_idx(rlimits, i);
      const char *type = json_get_str(o, "type");
      int res = type ? security_rlimit_from_name(type) : -1;
      if (res < 0)
        {
          free(r);
          return ctool_error_set(err, 0, "unknown rlimit '%s' in process.rlimits", type ? type : "");
        }
      json_object *hard = member(o, "hard"), *soft = member(o, "soft");
      r[i].resource = res;
      r[i].limit.rlim_max = hard ? (rlim_t) json_object_get_uint64(hard) : RLIM_INFINITY;
      r[i].limit.rlim_cur = soft ? (rlim_t) json_object_get_uint64(soft) : r[i].limit.rlim_max;
    }
  *out = r;
  *n = len;
  return 0;
}

int
security_rlimits_apply(const struct security_rlimit *r, size_t n, ctool_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    if (setrlimit(r[i].resource, &r[i].limit) < 0)
      return ctool_error_set(err, errno, "set %s to soft %llu, hard %llu", rlimit_name(r[i].resource),
                             (unsigned long long) r[i].limit.rlim_cur, (unsigned long long) r[i].limit.rlim_max);
  return 0;
}

int
security_no_new_privs(ctool_error_t *err)
{
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return ctool_error_set(err, errno, "set no_new_privs");
  return 0;
}

/* ---- seccomp ---- */

#define SECCOMP_COMPILER 3

static int
seccomp_action_parse(const char *name, json_object *errno_ret, uint32_t *out, ctool_error_t *err)
{
  uint32_t e = errno_ret ? (uint32_t) json_object_get_int(errno_ret) : EPERM;
  if (name == NULL)
    return ctool_error_set(err, 0, "seccomp: a rule without an action");
  if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
    *out = SCMP_ACT_ERRNO(e);
  else if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
    *out = SCMP_ACT_TRACE(e);
  else if (strcmp(name, "SCMP_ACT_LOG") == 0)
    *out = SCMP_ACT_LOG;
  else
    return ctool_error_set(err, 0, "seccomp: unsupported action '%s'", name);
  return 0;
}

static int
seccomp_op_parse(const char *name, enum scmp_compare *out)
{
  static const struct
  {
    const char *name;
    enum scmp_compare op;
  } ops[] = {
    { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
    { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
    { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; name && i < ARRAY_SIZE(ops); i++)
    if (strcmp(name, ops[i].name) == 0)
      {
        *out = ops[i].op;
        return 0;
      }
  return -1;
}

static int
seccomp_flags_parse(json_object *flags, unsigned *out, ctool_error_t *err)
{
  static const struct
  {
    const char *name;
    unsigned flag;
  } names[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", 1u << 0 },
    { "SECCOMP_FILTER_FLAG_LOG", 1u << 1 },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1u << 2 },
  };
  *out = 0;
  size_t n = flags && json_object_is_type(flags, json_type_array) ? json_object_array_length(flags) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *f = json_object_get_string(json_object_array_get_idx(flags, i));
      size_t j;
      for (j = 0; j < ARRAY_SIZE(names); j++)
        if (f && strcmp(f, names[j].name) == 0)
          break;
      if (j == ARRAY_SIZE(names))
        return ctool_error_set(err, 0, "seccomp: unsupported flag '%s'", f ? f : "");
      *out |= names[j].flag;
    }
  return 0;
}

static int
seccomp_add_arches(scmp_filter_ctx ctx, json_object *arches, ctool_error_t *err)
{
  size_t n = arches ? json_object_array_length(arches) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *a = json_object_get_string(json_object_array_get_idx(arches, i));
      if (a == NULL || !str_has_prefix(a, "SCMP_ARCH_"))
        return ctool_error_set(err, 0, "seccomp: bad architecture '%s'", a ? a : "");
      char lower[32];
      size_t k = 0;
      for (const char *p = a + strlen("SCMP_ARCH_"); *p && k < sizeof lower - 1; p++)
        lower[k++] = (char) tolower((unsigned char) *p);
      lower[k] = '\0';
      uint32_t arch = seccomp_arch_resolve_name(lower);
      if (arch == 0)
        return ctool_error_set(err, 0, "seccomp: unknown architecture '%s'", a);
      int r = seccomp_arch_add(ctx, arch);
      if (r < 0 && r != -EEXIST)
        return ctool_error_set(err, -r, "seccomp: add architecture %s", a);
    }
  return 0;
}

static int
seccomp_add_rule(scmp_filter_ctx ctx, uint32_t default_action, json_object *rule, ctool_error_t *err)
{
  uint32_t action;
  if (seccomp_action_parse(json_get_str(rule, "action"), member(rule, "errnoRet"), &action, err) < 0)
    return -1;
  if (action == default_action)
    return 0;
  json_object *args = json_get_array(rule, "args");
  size_t n_args = args ? json_object_array_length(args) : 0;
  if (n_args > 6)
    return ctool_error_set(err, 0, "seccomp: a rule with more than 6 argument conditions");
  struct scmp_arg_cmp cmp[6];
  for (size_t i = 0; i < n_args; i++)
    {
      json_object *a = json_object_array_get_idx(args, i);
      enum scmp_compare op;
      if (seccomp_op_parse(json_get_str(a, "op"), &op) < 0)
        return ctool_error_set(err, 0, "seccomp: unknown operator '%s'", json_get_str(a, "op") ?: "");
      json_object *v1 = member(a, "value"), *v2 = member(a, "valueTwo");
      cmp[i] = (struct scmp_arg_cmp){
        .arg = (unsigned) json_get_int(a, "index", 0),
        .op = op,
        .datum_a = v1 ? json_object_get_uint64(v1) : 0,
        .datum_b = v2 ? json_object_get_uint64(v2) : 0,
      };
      if (cmp[i].arg > 5)
        return ctool_error_set(err, 0, "seccomp: argument index %u out of range", cmp[i].arg);
    }
  json_object *names = json_get_array(rule, "names");
  size_t n_names = names ? json_object_array_length(names) : 0;
  for (size_t i = 0; i < n_names; i++)
    {
      const char *name = json_object_get_string(json_object_array_get_idx(names, i));
      int nr = name ? seccomp_syscall_resolve_name(name) : __NR_SCMP_ERROR;
      if (nr == __NR_SCMP_ERROR)
        continue; /* not a syscall on these architectures: nothing to filter */
      int r = seccomp_rule_add_array(ctx, action, nr, (unsigned) n_args, cmp);
      /* -EDOM/-EOPNOTSUPP: a syscall that exists on none of the filter's
       * architectures in a form that can be filtered (e.g. socketcall). */
      if (r < 0 && r != -EDOM && r != -EOPNOTSUPP)
        return ctool_error_set(err, -r, "seccomp: add the rule for %s", name);
    }
  return 0;
}

static int
seccomp_compile(json_object *seccomp, void **bpf, size_t *len, ctool_error_t *err)
{
  uint32_t default_action;
  json_object *def_errno = member(seccomp, "defaultErrnoRet");
  if (seccomp_action_parse(json_get_str(seccomp, "defaultAction"), def_errno, &default_action, err) < 0)
    return ctool_error_prefix(err, "linux.seccomp.defaultAction");
  scmp_filter_ctx ctx = seccomp_init(default_action);
  if (ctx == NULL)
    return ctool_error_set(err, 0, "seccomp: cannot initialize libseccomp");
  int ret = -1;
  int memfd = -1;
  json_object *rules;
  size_t n;
  int r;
  off_t size;
  /* no_new_privs is ctool's own decision (process.noNewPrivileges). */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  /* A binary tree over the syscall numbers: the kernel runs the filter for
   * every syscall when it is loaded (to cache the always-allowed ones), so
   * short paths make Podman's profile load in 0.2 ms instead of 0.75 ms
   * here, and every syscall of the container cheaper. (libseccomp >= 2.5;
   * older ones build the plain list.) */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
  if (seccomp_add_arches(ctx, json_get_array(seccomp, "architectures"), err) < 0)
    goto out;
  rules = json_get_array(seccomp, "syscalls");
  n = rules ? json_object_array_length(rules) : 0;
  for (size_t i = 0; i < n; i++)
    if (seccomp_add_rule(ctx, default_action, json_object_array_get_idx(rules, i), err) < 0)
      goto out;
  memfd = (int) syscall(SYS_memfd_create, "ctool-seccomp", MFD_CLOEXEC);
  if (memfd < 0)
    {
      ctool_error_set(err, errno, "seccomp: memfd_create");
      goto out;
    }
  r = seccomp_export_bpf(ctx, memfd);
  if (r < 0)
    {
      ctool_error_set(err, -r, "seccomp: export the filter");
      goto out;
    }
  size = lseek(memfd, 0, SEEK_END);
  if (size <= 0 || size % (off_t) sizeof(struct sock_filter) != 0)
    {
      ctool_error_set(err, 0, "seccomp: libseccomp exported an empty filter");
      goto out;
    }
  *bpf = xmalloc((size_t) size);
  if (pread(memfd, *bpf, (size_t) size, 0) != size)
    {
      free(*bpf);
      *bpf = NULL;
      ctool_error_set(err, errno, "seccomp: read the exported filter");
      goto out;
    }
  *len = (size_t) size;
  ret = 0;
out:
  if (memfd >= 0)
    close(memfd);
  seccomp_release(ctx);
  return ret;
}

char *
security_seccomp_cache_name(json_object *seccomp)
{
  const struct scmp_version *v = seccomp_version();
  const char *text = json_object_to_json_string_ext(seccomp, JSON_C_TO_STRING_PLAIN);
  char header[128];
  /* Bump SECCOMP_COMPILER when the translation of profiles changes. */
  int hl = snprintf(header, sizeof header, "ctool-%s seccomp-%d %s libseccomp-%u.%u.%u\n", PACKAGE_VERSION,
                    SECCOMP_COMPILER, CTOOL_GOARCH, v->major, v->minor, v->micro);
  struct sha256 h;
  unsigned char md[32];
  sha256_init(&h);
  sha256_update(&h, header, (size_t) hl);
  sha256_update(&h, text, strlen(text));
  sha256_final(&h, md);
  char *name = xmalloc(sizeof md * 2 + sizeof ".bpf");
  for (size_t i = 0; i < sizeof md; i++)
    sprintf(name + 2 * i, "%02x", md[i]);
  strcpy(name + 2 * sizeof md, ".bpf");
  return name;
}

static bool
seccomp_cache_read(int dirfd, const char *name, void **bpf, size_t *len)
{
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (1 << 20)
      || st.st_size % (off_t) sizeof(struct sock_filter) != 0)
    return false;
  void *buf = xmalloc((size_t) st.st_size);
  if (read(fd, buf, (size_t) st.st_size) != st.st_size)
    {
      free(buf);
      return false;
    }
  *bpf = buf;
  *len = (size_t) st.st_size;
  return true;
}

int
security_seccomp_prepare(json_object *seccomp, const char *cache_dir, struct security_seccomp *out,
                         ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  if (seccomp_flags_parse(json_get_array(seccomp, "flags"), &out->flags, err) < 0)
    return -1;
  cleanup_free char *name = NULL;
  if (cache_dir)
    {
      name = security_seccomp_cache_name(seccomp);
      cleanup_close int dirfd = open(cache_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd >= 0 && seccomp_cache_read(dirfd, name, &out->bpf, &out->len))
        {
          out->from_cache = true;
          return 0;
        }
    }
  if (seccomp_compile(seccomp, &out->bpf, &out->len, err) < 0)
    return -1;
  if (cache_dir)
    out->save_path = xasprintf("%s/%s", cache_dir, name);
  return 0;
}

void
security_seccomp_save(struct security_seccomp *f)
{
  if (f->save_path == NULL)
    return;
  cleanup_free char *dir = xstrdup(f->save_path);
  *strrchr(dir, '/') = '\0';
  ctool_error_t err = NULL;
  if (mkdir_p(dir, 0700, &err) < 0
      || write_file_atomic_at(AT_FDCWD, f->save_path, f->bpf, f->len, 0600, false, &err) < 0)
    {
      log_debug("seccomp cache: %s", err->msg);
      ctool_error_free(&err);
    }
  free(f->save_path);
  f->save_path = NULL;
}

int
security_seccomp_load(const struct security_seccomp *f, ctool_error_t *err)
{
  struct sock_fprog prog = {
    .len = (unsigned short) (f->len / sizeof(struct sock_filter)),
    .filter = f->bpf,
  };
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog) == 0)
    return 0;
  if (errno == ENOSYS && f->flags == 0 && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
    return 0;
  return ctool_error_set(err, errno, "load the seccomp filter");
}

void
security_seccomp_free(struct security_seccomp *f)
{
  free(f->save_path);
  f->save_path = NULL;
  free(f->bpf);
  f->bpf = NULL;
  f->len = 0;
}
