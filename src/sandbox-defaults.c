/* Podman's defaults for a container's spec: mounts, masked and read-only
 * paths, capabilities (spec.c builds specs from them; the default seccomp
 * profile is in seccomp-default.c). */
#include "sandbox.h"

#include "util.h"

#include <string.h>

const char *const sandbox_default_caps[] = {
  "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER",  "CAP_FSETID",  "CAP_KILL",       "CAP_NET_BIND_SERVICE",
  "CAP_SETFCAP", "CAP_SETGID",       "CAP_SETPCAP", "CAP_SETUID",  "CAP_SYS_CHROOT", NULL,
};

const char *const sandbox_default_masked_paths[] = {
  "/proc/acpi",        "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
  "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
  "/proc/asound",      "/sys/firmware",     "/sys/devices/virtual/powercap",
  "/sys/dev/block",    "/sys/fs/selinux",   NULL,
};

const char *const sandbox_default_readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const struct {
  const char *destination, *type, *source, *options;
} default_mounts[] = {
  { "/proc", "proc", "proc", "nosuid noexec nodev" },
  { "/dev", "tmpfs", "tmpfs", "nosuid strictatime mode=755 size=65536k" },
  { "/dev/pts", "devpts", "devpts", "nosuid noexec newinstance ptmxmode=0666 mode=0620 gid=5" },
  { "/dev/mqueue", "mqueue", "mqueue", "nosuid noexec nodev" },
  { "/sys", "sysfs", "sysfs", "nosuid noexec nodev ro" },
  { "/sys/fs/cgroup", "cgroup", "cgroup", "rprivate nosuid noexec nodev relatime ro" },
  { "/dev/shm", "tmpfs", "shm", "nosuid noexec nodev mode=1777 size=65536k" },
};

json_object *
sandbox_default_mounts(void)
{
  json_object *arr = json_object_new_array();
  for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++)
    {
      json_object *m = json_object_new_object(), *opts = json_object_new_array();
      json_object_object_add(m, "destination", json_object_new_string(default_mounts[i].destination));
      json_object_object_add(m, "type", json_object_new_string(default_mounts[i].type));
      json_object_object_add(m, "source", json_object_new_string(default_mounts[i].source));
      const char *p = default_mounts[i].options;
      while (*p)
        {
          size_t n = strcspn(p, " ");
          json_object_array_add(opts, json_object_new_string_len(p, (int) n));
          p += n;
          while (*p == ' ')
            p++;
        }
      json_object_object_add(m, "options", opts);
      json_object_array_add(arr, m);
    }
  return arr;
}

