/* libFuzzer target: credential files (containers-auth.json(5), Docker's
 * config.json and the legacy ~/.dockercfg). The input is written as the
 * --authfile and, separately, as ~/.dockercfg (HOME and the XDG
 * directories point into a private work directory), then looked up for
 * several registries. Checks:
 *   - credentials found have a non-empty user name without ':' and a
 *     non-empty password; a failure leaves none and names the file in
 *     one printable line;
 *   - storing credentials into the file (when it is valid enough to
 *     store into) and looking them up gives them back exactly, and every
 *     other registry's lookup gives what it gave before;
 *   - removing them again finds them, and then no lookup of that registry
 *     finds anything, while the others are still unchanged.
 * The work directory is $TMPDIR (or /tmp)/ctool-fuzz-auth-XXXXXX, removed
 * at exit. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-check.h"
#include "auth.h"
#include "fsutil.h"
#include "util.h"

static const char *const registries[] = {
  "quay.io",
  "quay.io/team/app",
  "docker.io",
  "docker.io/library/busybox",
  "localhost:5000",
  "registry.example.com:5000/ns",
};
#define N_REG ARRAY_SIZE(registries)
#define OURS "fuzz.example:5000"

static char base_dir[PATH_MAX];
static char *authfile, *dockercfg;

static void
remove_base(void)
{
  ctool_error_t err = NULL;
  (void) rm_rf_at(AT_FDCWD, base_dir, &err);
  ctool_error_free(&err);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  ctool_log_level = LOG_LVL_ERROR;
  const char *tmp = getenv("TMPDIR");
  snprintf(base_dir, sizeof base_dir, "%s/ctool-fuzz-auth-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(base_dir) == NULL)
    abort();
  atexit(remove_base);
  static const char *const dirs[] = { "home", "run", "cfg", "files" };
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
    {
      cleanup_free char *d = xasprintf("%s/%s", base_dir, dirs[i]);
      if (mkdir(d, 0700) < 0)
        abort();
    }
  cleanup_free char *home = xasprintf("%s/home", base_dir);
  cleanup_free char *run = xasprintf("%s/run", base_dir);
  cleanup_free char *cfg = xasprintf("%s/cfg", base_dir);
  setenv("HOME", home, 1);
  setenv("XDG_RUNTIME_DIR", run, 1);
  setenv("XDG_CONFIG_HOME", cfg, 1);
  unsetenv("REGISTRY_AUTH_FILE");
  unsetenv("DOCKER_CONFIG");
  authfile = xasprintf("%s/files/auth.json", base_dir);
  dockercfg = xasprintf("%s/.dockercfg", home);
  return 0;
}

static void
write_input(const char *path, const uint8_t *data, size_t size)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK(write(fd, data, size) == (ssize_t) size);
  close(fd);
}

/* What a lookup gave: "user\npassword", "" for nothing, NULL for an error. */
static char *
lookup(const char *file, const char *registry)
{
  struct auth_cred cred;
  char *source = NULL;
  ctool_error_t err = NULL;
  if (auth_lookup_source(file, registry, &cred, &source, &err) < 0)
    {
      CHECK(err != NULL && cred.username == NULL && cred.password == NULL && source == NULL);
      CHECK(strstr(err->msg, file ? file : dockercfg) != NULL && printable_line(err->msg));
      ctool_error_free(&err);
      return NULL;
    }
  CHECK(err == NULL);
  CHECK((cred.username == NULL) == (cred.password == NULL));
  if (cred.username == NULL)
    {
      CHECK(source == NULL);
      return xstrdup("");
    }
  CHECK(*cred.username && strchr(cred.username, ':') == NULL && *cred.password);
  CHECK(source && strcmp(source, file ? file : dockercfg) == 0);
  char *got = xasprintf("%s\n%s", cred.username, cred.password);
  auth_cred_clear(&cred);
  free(source);
  return got;
}

static bool
same_answer(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void
lookup_all(const char *file, char *out[N_REG])
{
  for (size_t i = 0; i < N_REG; i++)
    out[i] = lookup(file, registries[i]);
}

static void
check_unchanged(char *const before[N_REG])
{
  char *now[N_REG];
  lookup_all(authfile, now);
  for (size_t i = 0; i < N_REG; i++)
    {
      CHECK(same_answer(before[i], now[i]));
      free(now[i]);
    }
}

/* Store our credentials, read them back, remove them. */
static void
store_and_remove(char *const before[N_REG])
{
  const struct auth_cred ours = { .username = (char *) "fuzzer", .password = (char *) "pa:ss word" };
  ctool_error_t err = NULL;
  if (auth_store(authfile, OURS, &ours, &err) < 0)
    {
      CHECK(err != NULL && printable_line(err->msg));
      ctool_error_free(&err);
      return;
    }
  cleanup_free char *got = lookup(authfile, OURS);
  CHECK(got && strcmp(got, "fuzzer\npa:ss word") == 0);
  check_unchanged(before);

  int found = 0;
  CHECK(auth_remove(authfile, OURS, &found, &err) == 0 && found == 1);
  cleanup_free char *gone = lookup(authfile, OURS);
  CHECK(gone && *gone == '\0');
  check_unchanged(before);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* The legacy file alone: no --authfile, nothing else in the search. */
  write_input(dockercfg, data, size);
  free(lookup(NULL, "quay.io"));
  free(lookup(NULL, "docker.io/library/busybox"));
  unlink(dockercfg);

  write_input(authfile, data, size);
  char *before[N_REG];
  lookup_all(authfile, before);
  store_and_remove(before);
  for (size_t i = 0; i < N_REG; i++)
    free(before[i]);
  unlink(authfile);
  return 0;
}
