/* Podman's default seccomp profile (containers-common's seccomp.json, as
 * shipped with Podman 4.3 on Debian 12), built as a profile in Podman's
 * format and turned into an OCI linux.seccomp object the way Podman does:
 * rules for other architectures are dropped, rules conditional on a
 * capability are kept or dropped by the container's bounding set.
 *
 * The facts: unknown syscalls fail with ENOSYS (so that libcs fall back
 * from syscalls newer than the profile); a short list of dangerous or
 * obsolete ones fails with EPERM; personality() only with the usual
 * personas; privileged syscalls only when their capability is in the
 * bounding set; audit netlink sockets only with CAP_AUDIT_WRITE. */
#include "sandbox.h"

#include "util.h"

#include <errno.h>
#include <string.h>

/* Unprivileged-safe syscalls (space-separated, sorted). */
static const char allowed_syscalls[] =
  "_llseek _newselect "
  "accept accept4 access adjtimex alarm "
  "bind brk "
  "capget capset chdir chmod chown chown32 clock_adjtime clock_adjtime64 clock_getres "
  "clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 "
  "clone clone3 close close_range connect copy_file_range creat "
  "dup dup2 dup3 "
  "epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait "
  "epoll_wait_old eventfd eventfd2 execve execveat exit exit_group "
  "faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat "
  "fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork "
  "fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat fstat64 fstatat64 fstatfs "
  "fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futimesat "
  "get_mempolicy get_robust_list get_thread_area getcpu getcwd getdents getdents64 getegid "
  "getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername "
  "getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid "
  "getresuid32 getrlimit getrusage getsid getsockname getsockopt gettid gettimeofday getuid "
  "getuid32 getxattr "
  "inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy "
  "io_getevents io_setup io_submit ioctl ioprio_get ioprio_set ipc "
  "keyctl kill "
  "landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr "
  "link linkat listen listxattr llistxattr lremovexattr lseek lsetxattr lstat lstat64 "
  "madvise mbind membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat "
  "mlock mlock2 mlockall mmap mmap2 mount mount_setattr move_mount mprotect mq_getsetattr "
  "mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 "
  "mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap "
  "name_to_handle_at nanosleep newfstatat "
  "open open_tree openat openat2 "
  "pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc pkey_free "
  "pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 "
  "process_mrelease process_vm_readv process_vm_writev pselect6 pselect6_time64 ptrace "
  "pwrite64 pwritev pwritev2 "
  "read readahead readdir readlink readlinkat readv reboot recv recvfrom recvmmsg "
  "recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 "
  "restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo "
  "rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo "
  "sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr "
  "sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
  "sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp "
  "select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg "
  "sendmsg sendto set_mempolicy set_robust_list set_thread_area set_tid_address setfsgid "
  "setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setns "
  "setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid setresuid32 "
  "setreuid setreuid32 setrlimit setsid setsockopt setuid setuid32 setxattr shmat shmctl "
  "shmdt shmget shutdown sigaction sigaltstack signal signalfd signalfd4 sigpending "
  "sigprocmask sigreturn sigsuspend socketcall socketpair splice stat stat64 statfs statfs64 "
  "statx symlink symlinkat sync sync_file_range syncfs syscall sysinfo syslog "
  "tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 "
  "timer_settime timer_settime64 timerfd timerfd_create timerfd_gettime timerfd_gettime64 "
  "timerfd_settime timerfd_settime64 times tkill truncate truncate64 "
  "ugetrlimit umask umount umount2 uname unlink unlinkat unshare utime utimensat "
  "utimensat_time64 utimes "
  "vfork "
  "wait4 waitid waitpid write writev "
  ;

/* Refused with EPERM: kexec, modules' friends, swap, vm86, userfaultfd... */
static const char eperm_syscalls[] =
  "bdflush io_pgetevents kexec_file_load kexec_load migrate_pages move_pages nfsservctl nice "
  "oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase pciconfig_read pciconfig_write "
  "sgetmask ssetmask swapcontext swapoff swapon sysfs uselib userfaultfd ustat vm86 vm86old "
  "vmsplice";

struct profile_arg {
  unsigned index;
  unsigned long long value;
  const char *op;
};

/* One rule of the profile: allowed (errno_ret < 0) or refused with
 * errno_ret; only on ARCHES (Go names) when set; only with (CAP) or
 * without (NO_CAP) a capability in the bounding set when set. */
struct profile_rule {
  const char *names;
  int errno_ret;
  const char *arches;
  const char *cap;
  const char *no_cap;
  unsigned n_args;
  struct profile_arg args[2];
};

#define ALLOW -1
#define EQ(i, v) { i, v, "SCMP_CMP_EQ" }
#define NE(i, v) { i, v, "SCMP_CMP_NE" }
/* socket(2) arguments Podman's rules test. */
#define AF_NETLINK_ 16
#define NETLINK_AUDIT_ 9

static const struct profile_rule conditional_rules[] = {
  /* personality: PER_LINUX, UNAME26, PER_LINUX32, PER_LINUX32|UNAME26, query */
  { "personality", ALLOW, NULL, NULL, NULL, 1, { EQ(0, 0x0) } },
  { "personality", ALLOW, NULL, NULL, NULL, 1, { EQ(0, 0x8) } },
  { "personality", ALLOW, NULL, NULL, NULL, 1, { EQ(0, 0x20000) } },
  { "personality", ALLOW, NULL, NULL, NULL, 1, { EQ(0, 0x20008) } },
  { "personality", ALLOW, NULL, NULL, NULL, 1, { EQ(0, 0xffffffff) } },
  /* architecture-specific */
  { "sync_file_range2", ALLOW, "ppc64le", NULL, NULL, 0, { { 0 } } },
  { "arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2", ALLOW, "arm arm64",
    NULL, NULL, 0, { { 0 } } },
  { "arch_prctl", ALLOW, "amd64 x32", NULL, NULL, 0, { { 0 } } },
  { "modify_ldt", ALLOW, "amd64 x32 x86", NULL, NULL, 0, { { 0 } } },
  { "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", ALLOW, "s390 s390x", NULL, NULL, 0, { { 0 } } },
  /* privileged: allowed with the capability, EPERM without */
  { "open_by_handle_at", ALLOW, NULL, "CAP_DAC_READ_SEARCH", NULL, 0, { { 0 } } },
  { "open_by_handle_at", EPERM, NULL, NULL, "CAP_DAC_READ_SEARCH", 0, { { 0 } } },
  { "bpf fanotify_init lookup_dcookie perf_event_open quotactl setdomainname sethostname setns", ALLOW, NULL,
    "CAP_SYS_ADMIN", NULL, 0, { { 0 } } },
  { "bpf fanotify_init lookup_dcookie perf_event_open quotactl setdomainname sethostname setns", EPERM, NULL,
    NULL, "CAP_SYS_ADMIN", 0, { { 0 } } },
  { "chroot", ALLOW, NULL, "CAP_SYS_CHROOT", NULL, 0, { { 0 } } },
  { "chroot", EPERM, NULL, NULL, "CAP_SYS_CHROOT", 0, { { 0 } } },
  { "delete_module finit_module init_module query_module", ALLOW, NULL, "CAP_SYS_MODULE", NULL, 0, { { 0 } } },
  { "delete_module finit_module init_module query_module", EPERM, NULL, NULL, "CAP_SYS_MODULE", 0, { { 0 } } },
  { "acct", ALLOW, NULL, "CAP_SYS_PACCT", NULL, 0, { { 0 } } },
  { "acct", EPERM, NULL, NULL, "CAP_SYS_PACCT", 0, { { 0 } } },
  { "kcmp process_madvise", ALLOW, NULL, "CAP_SYS_PTRACE", NULL, 0, { { 0 } } },
  { "kcmp process_madvise", EPERM, NULL, NULL, "CAP_SYS_PTRACE", 0, { { 0 } } },
  { "ioperm iopl", ALLOW, NULL, "CAP_SYS_RAWIO", NULL, 0, { { 0 } } },
  { "ioperm iopl", EPERM, NULL, NULL, "CAP_SYS_RAWIO", 0, { { 0 } } },
  { "clock_settime clock_settime64 settimeofday stime", ALLOW, NULL, "CAP_SYS_TIME", NULL, 0, { { 0 } } },
  { "clock_settime clock_settime64 settimeofday stime", EPERM, NULL, NULL, "CAP_SYS_TIME", 0, { { 0 } } },
  { "vhangup", ALLOW, NULL, "CAP_SYS_TTY_CONFIG", NULL, 0, { { 0 } } },
  { "vhangup", EPERM, NULL, NULL, "CAP_SYS_TTY_CONFIG", 0, { { 0 } } },
  /* audit netlink sockets (EINVAL) only with CAP_AUDIT_WRITE; every other socket */
  { "socket", EINVAL, NULL, NULL, "CAP_AUDIT_WRITE", 2, { EQ(0, AF_NETLINK_), EQ(2, NETLINK_AUDIT_) } },
  { "socket", ALLOW, NULL, NULL, "CAP_AUDIT_WRITE", 1, { NE(2, NETLINK_AUDIT_) } },
  { "socket", ALLOW, NULL, NULL, "CAP_AUDIT_WRITE", 1, { NE(0, AF_NETLINK_) } },
  { "socket", ALLOW, NULL, "CAP_AUDIT_WRITE", NULL, 0, { { 0 } } },
};

/* The native architecture and the ones it can also run, by libseccomp
 * name, as the profile's archMap lists them. */
static const struct {
  const char *arch;
  const char *sub[3];
} arch_map[] = {
  { "SCMP_ARCH_X86_64", { "SCMP_ARCH_X86", "SCMP_ARCH_X32" } },
  { "SCMP_ARCH_AARCH64", { "SCMP_ARCH_ARM" } },
  { "SCMP_ARCH_MIPS64", { "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32" } },
  { "SCMP_ARCH_MIPS64N32", { "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64" } },
  { "SCMP_ARCH_MIPSEL64", { "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32" } },
  { "SCMP_ARCH_MIPSEL64N32", { "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64" } },
  { "SCMP_ARCH_S390X", { "SCMP_ARCH_S390" } },
};

static json_object *
words_array(const char *words)
{
  json_object *a = json_object_new_array();
  const char *p = words;
  while (*p)
    {
      while (*p == ' ')
        p++;
      size_t n = strcspn(p, " ");
      if (n == 0)
        break;
      json_object_array_add(a, json_object_new_string_len(p, (int) n));
      p += n;
    }
  return a;
}

static json_object *
filter_object(const char *arches, const char *cap)
{
  json_object *f = json_object_new_object();
  if (arches)
    json_object_object_add(f, "arches", words_array(arches));
  if (cap)
    json_object_object_add(f, "caps", words_array(cap));
  return f;
}

static json_object *
profile_rule_json(const struct profile_rule *r)
{
  json_object *o = json_object_new_object();
  json_object_object_add(o, "names", words_array(r->names));
  json_object_object_add(o, "action", json_object_new_string(r->errno_ret < 0 ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO"));
  json_object *args = json_object_new_array();
  for (unsigned i = 0; i < r->n_args; i++)
    {
      json_object *a = json_object_new_object();
      json_object_object_add(a, "index", json_object_new_int((int) r->args[i].index));
      json_object_object_add(a, "value", json_object_new_uint64(r->args[i].value));
      json_object_object_add(a, "valueTwo", json_object_new_int(0));
      json_object_object_add(a, "op", json_object_new_string(r->args[i].op));
      json_object_array_add(args, a);
    }
  json_object_object_add(o, "args", args);
  json_object_object_add(o, "includes", filter_object(r->arches, r->cap));
  json_object_object_add(o, "excludes", filter_object(NULL, r->no_cap));
  if (r->errno_ret >= 0)
    json_object_object_add(o, "errnoRet", json_object_new_int(r->errno_ret));
  return o;
}

/* Podman's profile in its own (seccomp.json) format. */
static json_object *
default_profile(void)
{
  json_object *p = json_object_new_object();
  json_object_object_add(p, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
  json_object_object_add(p, "defaultErrnoRet", json_object_new_int(ENOSYS));
  json_object *map = json_object_new_array();
  for (size_t i = 0; i < ARRAY_SIZE(arch_map); i++)
    {
      json_object *m = json_object_new_object(), *subs = json_object_new_array();
      json_object_object_add(m, "architecture", json_object_new_string(arch_map[i].arch));
      for (size_t j = 0; j < ARRAY_SIZE(arch_map[i].sub) && arch_map[i].sub[j]; j++)
        json_object_array_add(subs, json_object_new_string(arch_map[i].sub[j]));
      json_object_object_add(m, "subArchitectures", subs);
      json_object_array_add(map, m);
    }
  json_object_object_add(p, "archMap", map);
  json_object *rules = json_object_new_array();
  struct profile_rule eperm = { eperm_syscalls, EPERM, NULL, NULL, NULL, 0, { { 0 } } };
  struct profile_rule allow = { allowed_syscalls, ALLOW, NULL, NULL, NULL, 0, { { 0 } } };
  json_object_array_add(rules, profile_rule_json(&eperm));
  json_object_array_add(rules, profile_rule_json(&allow));
  for (size_t i = 0; i < ARRAY_SIZE(conditional_rules); i++)
    json_object_array_add(rules, profile_rule_json(&conditional_rules[i]));
  json_object_object_add(p, "syscalls", rules);
  return p;
}

json_object *
sandbox_default_seccomp(char *const *bounding)
{
  json_object *profile = default_profile();
  json_object *out = NULL;
  ctool_error_t err = NULL;
  if (sandbox_seccomp_from_profile(profile, bounding, &out, &err) < 0)
    {
      /* The built-in profile is well-formed: this is a bug in ctool. */
      log_warn("default seccomp profile: %s", err->msg);
      ctool_error_free(&err);
      abort();
    }
  json_object_put(profile);
  return out;
}
