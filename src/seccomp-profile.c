/* Podman's seccomp.json format -> OCI linux.seccomp, as Podman converts it:
 * the native architecture's archMap entry becomes "architectures"; rules
 * whose includes/excludes (by Go architecture name and by capability in
 * the bounding set) do not match this container are dropped. */
#include "sandbox.h"

#include "jsonutil.h"
#include "util.h"

#include <string.h>

/* The architecture as Podman's profiles name it in includes.arches. */
#if defined(__i386__)
#define PROFILE_ARCH "x86"
#else
#define PROFILE_ARCH CTOOL_GOARCH
#endif

/* The native architecture in libseccomp's spelling, for archMap (Podman
 * knows these; elsewhere libseccomp's native default applies). */
static const char *
native_scmp_arch(void)
{
  static const struct {
    const char *go, *scmp;
  } map[] = {
    { "amd64", "SCMP_ARCH_X86_64" }, { "arm64", "SCMP_ARCH_AARCH64" }, { "s390x", "SCMP_ARCH_S390X" },
    { "mips64", "SCMP_ARCH_MIPS64" }, { "mips64le", "SCMP_ARCH_MIPSEL64" },
  };
  for (size_t i = 0; i < ARRAY_SIZE(map); i++)
    if (strcmp(map[i].go, CTOOL_GOARCH) == 0)
      return map[i].scmp;
  return NULL;
}

static bool
array_has(json_object *arr, const char *s)
{
  size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *v = json_object_get_string(json_object_array_get_idx(arr, i));
      if (v && strcmp(v, s) == 0)
        return true;
    }
  return false;
}

static bool
array_empty(json_object *arr)
{
  return arr == NULL || !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0;
}

/* Does the rule apply to this architecture and bounding set? */
static bool
rule_applies(json_object *rule, char *const *bounding)
{
  json_object *inc = json_get_obj(rule, "includes"), *exc = json_get_obj(rule, "excludes");
  json_object *exc_arches = json_get_array(exc, "arches"), *exc_caps = json_get_array(exc, "caps");
  json_object *inc_arches = json_get_array(inc, "arches"), *inc_caps = json_get_array(inc, "caps");

  if (array_has(exc_arches, PROFILE_ARCH))
    return false;
  for (size_t i = 0; !array_empty(exc_caps) && i < json_object_array_length(exc_caps); i++)
    {
      const char *c = json_object_get_string(json_object_array_get_idx(exc_caps, i));
      if (c && strv_contains(bounding, c))
        return false;
    }
  if (!array_empty(inc_arches) && !array_has(inc_arches, PROFILE_ARCH))
    return false;
  for (size_t i = 0; !array_empty(inc_caps) && i < json_object_array_length(inc_caps); i++)
    {
      const char *c = json_object_get_string(json_object_array_get_idx(inc_caps, i));
      if (c && !strv_contains(bounding, c))
        return false;
    }
  return true;
}

static void
copy_key(json_object *from, json_object *to, const char *key)
{
  json_object *v;
  if (json_object_object_get_ex(from, key, &v) && v != NULL)
    json_object_object_add(to, key, json_object_get(v));
}

static json_object *
oci_rule(json_object *rule, json_object *names)
{
  json_object *o = json_object_new_object();
  json_object_object_add(o, "names", names);
  copy_key(rule, o, "action");
  copy_key(rule, o, "errnoRet");
  json_object *args = json_get_array(rule, "args");
  if (!array_empty(args))
    json_object_object_add(o, "args", json_object_get(args));
  return o;
}

static int
profile_architectures(json_object *profile, json_object *out, ctool_error_t *err)
{
  json_object *arches = json_get_array(profile, "architectures");
  json_object *arch_map = json_get_array(profile, "archMap");
  if (!array_empty(arches) && !array_empty(arch_map))
    return ctool_error_set(err, 0, "seccomp profile: both 'architectures' and 'archMap' are given: use one");
  if (!array_empty(arches))
    {
      json_object_object_add(out, "architectures", json_object_get(arches));
      return 0;
    }
  const char *native = native_scmp_arch();
  for (size_t i = 0; native && !array_empty(arch_map) && i < json_object_array_length(arch_map); i++)
    {
      json_object *m = json_object_array_get_idx(arch_map, i);
      const char *a = json_get_str(m, "architecture");
      if (a == NULL || strcmp(a, native) != 0)
        continue;
      json_object *list = json_object_new_array();
      json_object_array_add(list, json_object_new_string(a));
      json_object *subs = json_get_array(m, "subArchitectures");
      for (size_t j = 0; !array_empty(subs) && j < json_object_array_length(subs); j++)
        json_object_array_add(list, json_object_get(json_object_array_get_idx(subs, j)));
      json_object_object_add(out, "architectures", list);
      break;
    }
  return 0;
}

int
sandbox_seccomp_from_profile(json_object *profile, char *const *bounding, json_object **out, ctool_error_t *err)
{
  if (profile == NULL || !json_object_is_type(profile, json_type_object))
    return ctool_error_set(err, 0, "seccomp profile: not a JSON object");
  if (json_get_str(profile, "defaultAction") == NULL)
    return ctool_error_set(err, 0, "seccomp profile: 'defaultAction' is missing");
  json_object *o = json_object_new_object();
  json_object *rules, *in;
  copy_key(profile, o, "defaultAction");
  copy_key(profile, o, "defaultErrnoRet");
  if (profile_architectures(profile, o, err) < 0)
    goto fail;
  copy_key(profile, o, "flags");
  rules = json_object_new_array();
  json_object_object_add(o, "syscalls", rules);
  in = json_get_array(profile, "syscalls");
  for (size_t i = 0; in && i < json_object_array_length(in); i++)
    {
      json_object *rule = json_object_array_get_idx(in, i);
      const char *name = json_get_str(rule, "name");
      json_object *names = json_get_array(rule, "names");
      if (name && !array_empty(names))
        {
          ctool_error_set(err, 0, "seccomp profile: a rule gives both 'name' and 'names': use one");
          goto fail;
        }
      if (!rule_applies(rule, bounding))
        continue;
      if (name)
        {
          json_object *one = json_object_new_array();
          json_object_array_add(one, json_object_new_string(name));
          json_object_array_add(rules, oci_rule(rule, one));
        }
      else if (!array_empty(names))
        json_object_array_add(rules, oci_rule(rule, json_object_get(names)));
    }
  *out = o;
  return 0;
fail:
  json_object_put(o);
  return -1;
}
