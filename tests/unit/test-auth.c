/* Unit tests of credentials files (auth.json, Docker's config.json),
 * base64 and certs.d lookup, in a temporary HOME. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "base64.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "util.h"

static char *tmp_home;

static char *
path_in_home(const char *rel)
{
  return xasprintf("%s/%s", tmp_home, rel);
}

static void
write_text(const char *rel, const char *text)
{
  cleanup_free char *path = path_in_home(rel);
  cleanup_free char *dir = xstrdup(path);
  *strrchr(dir, '/') = '\0';
  ctool_error_t err = NULL;
  if (mkdir_p(dir, 0700, &err) < 0 || write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600, false, &err) < 0)
    fail_msg("%s", err->msg);
}

static json_object *
read_json(const char *rel)
{
  cleanup_free char *path = path_in_home(rel);
  json_object *o = NULL;
  ctool_error_t err = NULL;
  if (json_read_file_at(AT_FDCWD, path, &o, &err) < 0)
    fail_msg("%s", err->msg);
  return o;
}

static bool
exists(const char *rel)
{
  cleanup_free char *path = path_in_home(rel);
  return access(path, F_OK) == 0;
}

/* Look up and compare; want_user NULL means "not found". */
static void
expect_cred(const char *authfile, const char *registry, const char *want_user, const char *want_pass)
{
  struct auth_cred c;
  ctool_error_t err = NULL;
  if (auth_lookup(authfile, registry, &c, &err) < 0)
    fail_msg("lookup %s: %s", registry, err->msg);
  if (want_user == NULL)
    {
      if (c.username)
        fail_msg("lookup %s: found %s, expected nothing", registry, c.username);
      assert_null(c.password);
      return;
    }
  if (c.username == NULL)
    fail_msg("lookup %s: nothing found, expected %s", registry, want_user);
  assert_string_equal(c.username, want_user);
  assert_string_equal(c.password, want_pass);
  auth_cred_clear(&c);
  assert_null(c.username);
}

static char *
lookup_error(const char *authfile, const char *registry)
{
  struct auth_cred c;
  ctool_error_t err = NULL;
  assert_int_equal(auth_lookup(authfile, registry, &c, &err), -1);
  assert_null(c.username);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

static void
store(const char *authfile, const char *registry, const char *user, const char *pass)
{
  struct auth_cred c = { (char *) user, (char *) pass };
  ctool_error_t err = NULL;
  if (auth_store(authfile, registry, &c, &err) < 0)
    fail_msg("store %s: %s", registry, err->msg);
}

static int
setup(void **state)
{
  tmp_home = xstrdup("/tmp/ctool-test-auth-XXXXXX");
  assert_non_null(mkdtemp(tmp_home));
  setenv("HOME", tmp_home, 1);
  cleanup_free char *run = path_in_home("run");
  assert_int_equal(mkdir(run, 0700), 0);
  setenv("XDG_RUNTIME_DIR", run, 1);
  unsetenv("XDG_CONFIG_HOME");
  unsetenv("REGISTRY_AUTH_FILE");
  unsetenv("DOCKER_CONFIG");
  unsetenv("CTOOL_CERTS_D");
  return 0;
}

static int
teardown(void **state)
{
  ctool_error_t err = NULL;
  assert_int_equal(rm_rf_at(AT_FDCWD, tmp_home, &err), 0);
  free(tmp_home);
  tmp_home = NULL;
  return 0;
}

/* ---- base64 ---- */

static void
test_base64(void **state)
{
  /* RFC 4648 test vectors. */
  const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  const char *coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
  for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
    {
      char *e = base64_encode(plain[i], strlen(plain[i]));
      assert_string_equal(e, coded[i]);
      free(e);
      unsigned char *d;
      size_t n;
      assert_true(base64_decode(coded[i], &d, &n));
      assert_int_equal(n, strlen(plain[i]));
      assert_memory_equal(d, plain[i], n);
      assert_int_equal(d[n], '\0');
      free(d);
    }
  /* Padding may be left out. */
  unsigned char *d;
  size_t n;
  assert_true(base64_decode("Zm9vYg", &d, &n));
  assert_int_equal(n, 4);
  assert_memory_equal(d, "foob", 4);
  free(d);
  /* Every byte value survives. */
  unsigned char all[256];
  for (int i = 0; i < 256; i++)
    all[i] = (unsigned char) i;
  char *e = base64_encode(all, sizeof all);
  assert_true(base64_decode(e, &d, &n));
  assert_int_equal(n, 256);
  assert_memory_equal(d, all, 256);
  free(d);
  free(e);
  /* Invalid input. */
  const char *bad[] = { "Z", "Zm9vY", "Zm9v!", "Zm 9v", "Zg=", "Z===", "====", "=Zm9", "Zm9v\n", "Zg==Zg==" };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    if (base64_decode(bad[i], &d, &n))
      fail_msg("'%s' decoded", bad[i]);
}

/* ---- reading ---- */

static void
test_store_then_lookup(void **state)
{
  store(NULL, "127.0.0.1:5000", "alice", "s3cret:with:colons");
  expect_cred(NULL, "127.0.0.1:5000", "alice", "s3cret:with:colons");
  expect_cred(NULL, "127.0.0.1:5000/ns/repo", "alice", "s3cret:with:colons");
  expect_cred(NULL, "127.0.0.1:5001", NULL, NULL);
  expect_cred(NULL, "127.0.0.1", NULL, NULL);

  /* The file Podman reads: 0600 in a 0700 directory, "auths" -> base64. */
  struct stat st;
  cleanup_free char *file = path_in_home("run/containers/auth.json");
  cleanup_free char *dir = path_in_home("run/containers");
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(stat(dir, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  cleanup_free char *dflt = auth_default_file();
  assert_string_equal(dflt, file);
  cleanup_json json_object *o = read_json("run/containers/auth.json");
  const char *auth = json_get_str(json_get_obj(json_get_obj(o, "auths"), "127.0.0.1:5000"), "auth");
  assert_non_null(auth);
  assert_string_equal(auth, "YWxpY2U6czNjcmV0OndpdGg6Y29sb25z"); /* alice:s3cret:with:colons */
  /* No temporary files are left behind. */
  cleanup_dir DIR *d = opendir(dir);
  struct dirent *e;
  int entries = 0;
  while ((e = readdir(d)) != NULL)
    entries += e->d_name[0] != '.';
  assert_int_equal(entries, 1);
}

static void
test_search_order(void **state)
{
  write_text(".config/containers/auth.json",
             "{\"auths\": {\"quay.io\": {\"auth\": \"Y29uZmlnOnBhc3M=\"}, \"only.config\": {\"auth\": \"Y29uZmlnOnBhc3M=\"}}}");
  write_text(".docker/config.json",
             "{\"auths\": {\"quay.io\": {\"auth\": \"ZG9ja2VyOnBhc3M=\"}, \"only.docker\": {\"auth\": \"ZG9ja2VyOnBhc3M=\"}},"
             " \"credsStore\": \"desktop\"}");
  /* config:pass, docker:pass */
  expect_cred(NULL, "quay.io", "config", "pass");
  expect_cred(NULL, "only.config", "config", "pass");
  expect_cred(NULL, "only.docker", "docker", "pass");
  /* The runtime file comes first. */
  store(NULL, "quay.io", "runtime", "pass");
  expect_cred(NULL, "quay.io", "runtime", "pass");
  char *source = NULL;
  struct auth_cred c;
  ctool_error_t err = NULL;
  assert_int_equal(auth_lookup_source(NULL, "only.docker", &c, &source, &err), 0);
  cleanup_free char *docker_file = path_in_home(".docker/config.json");
  assert_string_equal(source, docker_file);
  free(source);
  auth_cred_clear(&c);

  /* $XDG_CONFIG_HOME moves the second file. */
  cleanup_free char *xdg = path_in_home("xdg");
  setenv("XDG_CONFIG_HOME", xdg, 1);
  expect_cred(NULL, "only.config", NULL, NULL);
  write_text("xdg/containers/auth.json", "{\"auths\": {\"only.config\": {\"auth\": \"eGRnOnBhc3M=\"}}}");
  expect_cred(NULL, "only.config", "xdg", "pass");
  unsetenv("XDG_CONFIG_HOME");

  /* $DOCKER_CONFIG replaces ~/.docker. */
  cleanup_free char *dc = path_in_home("dockercfgdir");
  setenv("DOCKER_CONFIG", dc, 1);
  expect_cred(NULL, "only.docker", NULL, NULL);
  write_text("dockercfgdir/config.json", "{\"auths\": {\"only.docker\": {\"auth\": \"ZGM6cGFzcw==\"}}}");
  expect_cred(NULL, "only.docker", "dc", "pass");
  unsetenv("DOCKER_CONFIG");

  /* --authfile alone: nothing else is searched. */
  cleanup_free char *mine = path_in_home("mine.json");
  expect_cred(mine, "quay.io", NULL, NULL);
  write_text("mine.json", "{\"auths\": {\"quay.io\": {\"auth\": \"bWluZTpwYXNz\"}}}");
  expect_cred(mine, "quay.io", "mine", "pass");
  expect_cred(mine, "only.docker", NULL, NULL);

  /* $REGISTRY_AUTH_FILE too, for reading and writing. */
  setenv("REGISTRY_AUTH_FILE", mine, 1);
  expect_cred(NULL, "quay.io", "mine", "pass");
  expect_cred(NULL, "only.docker", NULL, NULL);
  cleanup_free char *dflt = auth_default_file();
  assert_string_equal(dflt, mine);
  store(NULL, "new.example.com", "env", "pass");
  cleanup_json json_object *o = read_json("mine.json");
  assert_non_null(json_get_obj(json_get_obj(o, "auths"), "new.example.com"));
  /* --authfile wins over the variable. */
  cleanup_free char *other = path_in_home("other.json");
  expect_cred(other, "quay.io", NULL, NULL);
  unsetenv("REGISTRY_AUTH_FILE");
}

static void
test_repository_keys(void **state)
{
  /* ns:ns, repo:repo, host:host, deep:deep */
  write_text("run/containers/auth.json",
             "{\"auths\": {"
             "\"my-registry.local/foo/bar/image\": {\"auth\": \"cmVwbzpyZXBv\"},"
             "\"my-registry.local/foo\": {\"auth\": \"bnM6bnM=\"},"
             "\"my-registry.local\": {\"auth\": \"aG9zdDpob3N0\"}"
             "}}");
  expect_cred(NULL, "my-registry.local/foo/bar/image", "repo", "repo");
  expect_cred(NULL, "my-registry.local/foo/bar/other", "ns", "ns");
  expect_cred(NULL, "my-registry.local/foo/bar", "ns", "ns");
  expect_cred(NULL, "my-registry.local/foo", "ns", "ns");
  expect_cred(NULL, "my-registry.local/foobar/x", "host", "host");
  expect_cred(NULL, "my-registry.local", "host", "host");
  /* A namespace key never answers for the bare host. */
  write_text("run/containers/auth.json", "{\"auths\": {\"ns.local/team\": {\"auth\": \"bnM6bnM=\"}}}");
  expect_cred(NULL, "ns.local", NULL, NULL);
  expect_cred(NULL, "ns.local/other/x", NULL, NULL);
  expect_cred(NULL, "ns.local/team/x", "ns", "ns");
}

static void
test_docker_spellings(void **state)
{
  /* Docker's own key for Docker Hub, and URL keys from old docker login. */
  write_text(".docker/config.json",
             "{\"auths\": {"
             "\"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1Yg==\"},"
             "\"http://old.example.com:5000\": {\"auth\": \"b2xkOm9sZA==\"},"
             "\"https://url.example.com/v2/\": {\"auth\": \"dXJsOnVybA==\"}"
             "}}");
  expect_cred(NULL, "docker.io", "hub", "hub");
  expect_cred(NULL, "docker.io/library/busybox", "hub", "hub");
  expect_cred(NULL, "old.example.com:5000", "old", "old");
  expect_cred(NULL, "old.example.com:5000/a/b", "old", "old");
  expect_cred(NULL, "old.example.com", NULL, NULL);
  expect_cred(NULL, "url.example.com", "url", "url");

  /* Legacy ~/.dockercfg: no "auths" wrapper. */
  cleanup_free char *docker_file = path_in_home(".docker/config.json");
  unlink(docker_file);
  write_text(".dockercfg", "{\"https://legacy.example.com/v1/\": {\"auth\": \"bGVnOmxlZw==\", \"email\": \"x\"}}");
  expect_cred(NULL, "legacy.example.com", "leg", "leg");
  expect_cred(NULL, "legacy.example.com/ns/x", "leg", "leg");
}

static void
test_entries_without_credentials(void **state)
{
  /* Identity tokens are not used; an entry with only one (or an empty
   * entry for a credential helper) does not stop the search. */
  write_text("run/containers/auth.json",
             "{\"auths\": {\"a.example.com\": {\"identitytoken\": \"tok\"}, \"b.example.com\": {},"
             " \"c.example.com\": {\"auth\": \"\"}, \"d.example.com\": {\"auth\": \"bm9jb2xvbg==\"},"
             " \"e.example.com\": {\"auth\": \"dTpw\", \"identitytoken\": \"tok\"},"
             " \"f.example.com\": {\"auth\": \"OnBhc3M=\"}},"
             " \"credHelpers\": {\"b.example.com\": \"secretservice\"}}");
  write_text(".docker/config.json",
             "{\"auths\": {\"a.example.com\": {\"auth\": \"ZG9ja2VyOnBhc3M=\"}, \"b.example.com\": {\"auth\": "
             "\"ZG9ja2VyOnBhc3M=\"}}}");
  expect_cred(NULL, "a.example.com", "docker", "pass");
  expect_cred(NULL, "b.example.com", "docker", "pass");
  expect_cred(NULL, "c.example.com", NULL, NULL);
  expect_cred(NULL, "d.example.com", NULL, NULL);   /* "nocolon" */
  expect_cred(NULL, "e.example.com", "u", "p");
  expect_cred(NULL, "f.example.com", NULL, NULL);   /* empty user name */
}

static void
test_bad_files(void **state)
{
  cleanup_free char *file = path_in_home("run/containers/auth.json");
  write_text("run/containers/auth.json", "{\"auths\": {");
  cleanup_free char *msg = lookup_error(NULL, "quay.io");
  cleanup_free char *want = xasprintf("read credentials (fix or remove the file): invalid JSON in %s: "
                                      "unexpected end of input", file);
  assert_string_equal(msg, want);

  write_text("run/containers/auth.json", "[1, 2]");
  free(msg);
  msg = lookup_error(NULL, "quay.io");
  free(want);
  want = xasprintf("read credentials: %s is not a JSON object", file);
  assert_string_equal(msg, want);

  write_text("run/containers/auth.json", "{\"auths\": []}");
  free(msg);
  msg = lookup_error(NULL, "quay.io");
  free(want);
  want = xasprintf("read credentials: \"auths\" in %s is not a JSON object", file);
  assert_string_equal(msg, want);

  write_text("run/containers/auth.json", "{\"auths\": {\"quay.io\": {\"auth\": \"not base64!\"}}}");
  free(msg);
  msg = lookup_error(NULL, "quay.io");
  free(want);
  want = xasprintf("read credentials: the \"auth\" field for \"quay.io\" in %s is not valid base64 (log in again to "
                   "replace it)", file);
  assert_string_equal(msg, want);
  /* Other registries in the same file still work. */
  expect_cred(NULL, "other.example.com", NULL, NULL);

  write_text("run/containers/auth.json", "{\"auths\": {\"quay.io\": \"dTpw\"}}");
  free(msg);
  msg = lookup_error(NULL, "quay.io");
  assert_non_null(strstr(msg, "the entry for \"quay.io\""));

  /* An unreadable file is an error, not "not logged in". */
  if (geteuid() != 0)
    {
      write_text("run/containers/auth.json", "{}");
      assert_int_equal(chmod(file, 0), 0);
      free(msg);
      msg = lookup_error(NULL, "quay.io");
      assert_non_null(strstr(msg, "Permission denied"));
      assert_int_equal(chmod(file, 0600), 0);
    }

  /* Storing into a broken file refuses and leaves the file as it was. */
  write_text("run/containers/auth.json", "{broken");
  struct auth_cred c = { "u", "p" };
  ctool_error_t err = NULL;
  assert_int_equal(auth_store(NULL, "quay.io", &c, &err), -1);
  assert_non_null(strstr(err->msg, "invalid JSON"));
  ctool_error_free(&err);
  char *text;
  assert_int_equal(read_file_at(AT_FDCWD, file, &text, NULL, 0, &err), 0);
  assert_string_equal(text, "{broken");
  free(text);
}

/* ---- writing ---- */

static void
test_store_keeps_the_rest(void **state)
{
  write_text("run/containers/auth.json",
             "{\"auths\": {\"keep.example.com\": {\"auth\": \"a2VlcDprZWVw\"},"
             " \"quay.io\": {\"auth\": \"b2xkOm9sZA==\", \"identitytoken\": \"x\"}},"
             " \"credHelpers\": {\"gcr.io\": \"gcloud\"}, \"HttpHeaders\": {\"User-Agent\": \"me\"}}");
  store(NULL, "quay.io", "new", "pw");
  store(NULL, "localhost:5000/team", "team", "pw");
  cleanup_json json_object *o = read_json("run/containers/auth.json");
  json_object *auths = json_get_obj(o, "auths");
  assert_int_equal(json_object_object_length(auths), 3);
  assert_string_equal(json_get_str(json_get_obj(auths, "keep.example.com"), "auth"), "a2VlcDprZWVw");
  /* The replaced entry holds only the new credentials. */
  assert_null(json_get_str(json_get_obj(auths, "quay.io"), "identitytoken"));
  assert_string_equal(json_get_str(json_get_path(o, "credHelpers"), "gcr.io"), "gcloud");
  assert_string_equal(json_get_str(json_get_path(o, "HttpHeaders"), "User-Agent"), "me");
  expect_cred(NULL, "quay.io", "new", "pw");
  expect_cred(NULL, "localhost:5000/team/app", "team", "pw");
  expect_cred(NULL, "localhost:5000", NULL, NULL);

  /* A file without "auths" gets one. */
  write_text("run/containers/auth.json", "{\"other\": 1}");
  store(NULL, "quay.io", "u", "p");
  json_object_put(o);
  o = read_json("run/containers/auth.json");
  assert_int_equal(json_get_int(o, "other", 0), 1);
  expect_cred(NULL, "quay.io", "u", "p");
}

static void
test_store_refuses(void **state)
{
  ctool_error_t err = NULL;
  struct auth_cred colon = { "a:b", "p" }, empty_pw = { "u", "" }, no_user = { "", "p" }, ok = { "u", "p" };
  assert_int_equal(auth_store(NULL, "quay.io", &colon, &err), -1);
  assert_string_equal(err->msg, "store credentials: the user name must be non-empty and must not contain ':'");
  ctool_error_free(&err);
  assert_int_equal(auth_store(NULL, "quay.io", &no_user, &err), -1);
  ctool_error_free(&err);
  assert_int_equal(auth_store(NULL, "quay.io", &empty_pw, &err), -1);
  assert_string_equal(err->msg, "store credentials: empty password");
  ctool_error_free(&err);
  assert_int_equal(auth_store(NULL, "", &ok, &err), -1);
  ctool_error_free(&err);
  assert_false(exists("run/containers"));

  /* The default file needs the runtime directory. */
  cleanup_free char *gone = path_in_home("no-such-run");
  setenv("XDG_RUNTIME_DIR", gone, 1);
  assert_int_equal(auth_store(NULL, "quay.io", &ok, &err), -1);
  cleanup_free char *want = xasprintf("the runtime directory %s (from $XDG_RUNTIME_DIR or /run/user/UID) is not "
                                      "usable: log in through a session that creates it, or use --authfile: "
                                      "No such file or directory", gone);
  assert_string_equal(err->msg, want);
  ctool_error_free(&err);
  assert_false(exists("no-such-run"));
  /* --authfile creates its directories. */
  cleanup_free char *deep = path_in_home("a/b/c/auth.json");
  assert_int_equal(auth_store(deep, "quay.io", &ok, &err), 0);
  expect_cred(deep, "quay.io", "u", "p");
  cleanup_free char *run = path_in_home("run");
  setenv("XDG_RUNTIME_DIR", run, 1);
}

static void
test_remove(void **state)
{
  int found = -1;
  ctool_error_t err = NULL;
  /* Nothing there: not found, and no file appears. */
  assert_int_equal(auth_remove(NULL, "quay.io", &found, &err), 0);
  assert_int_equal(found, 0);
  assert_false(exists("run/containers/auth.json"));
  assert_int_equal(auth_remove_all(NULL, &err), 0);
  assert_false(exists("run/containers/auth.json"));

  write_text("run/containers/auth.json",
             "{\"auths\": {\"quay.io\": {\"auth\": \"dTpw\"}, \"quay.io/team\": {\"auth\": \"dTpw\"},"
             " \"https://quay.io/v1/\": {\"auth\": \"dTpw\"}, \"docker.io\": {\"auth\": \"dTpw\"},"
             " \"https://index.docker.io/v1/\": {\"auth\": \"dTpw\"}, \"keep.io\": {\"auth\": \"dTpw\"}},"
             " \"credHelpers\": {}}");
  /* A namespace key goes alone. */
  assert_int_equal(auth_remove(NULL, "quay.io/team", &found, &err), 0);
  assert_int_equal(found, 1);
  expect_cred(NULL, "quay.io/team/x", "u", "p");
  /* A host takes its other spellings along, so that lookups stop finding them. */
  assert_int_equal(auth_remove(NULL, "quay.io", &found, &err), 0);
  assert_int_equal(found, 1);
  expect_cred(NULL, "quay.io", NULL, NULL);
  assert_int_equal(auth_remove(NULL, "docker.io", &found, &err), 0);
  assert_int_equal(found, 1);
  expect_cred(NULL, "docker.io/library/busybox", NULL, NULL);
  assert_int_equal(auth_remove(NULL, "quay.io", &found, &err), 0);
  assert_int_equal(found, 0);
  cleanup_json json_object *o = read_json("run/containers/auth.json");
  assert_int_equal(json_object_object_length(json_get_obj(o, "auths")), 1);
  assert_non_null(json_get_obj(o, "credHelpers"));
  expect_cred(NULL, "keep.io", "u", "p");

  /* --all empties "auths" and keeps the rest. */
  assert_int_equal(auth_remove_all(NULL, &err), 0);
  json_object_put(o);
  o = read_json("run/containers/auth.json");
  assert_int_equal(json_object_object_length(json_get_obj(o, "auths")), 0);
  assert_non_null(json_get_obj(o, "credHelpers"));
  expect_cred(NULL, "keep.io", NULL, NULL);
}

static void
test_parallel_stores(void **state)
{
  /* Many writers at once: the lock makes every update land. */
  enum { WRITERS = 12, EACH = 5 };
  pid_t pids[WRITERS];
  for (int w = 0; w < WRITERS; w++)
    {
      pids[w] = fork();
      assert_true(pids[w] >= 0);
      if (pids[w] == 0)
        {
          for (int i = 0; i < EACH; i++)
            {
              char reg[64];
              snprintf(reg, sizeof reg, "r%d-%d.example.com", w, i);
              struct auth_cred c = { "u", "p" };
              ctool_error_t err = NULL;
              if (auth_store(NULL, reg, &c, &err) < 0)
                _exit(1);
            }
          _exit(0);
        }
    }
  for (int w = 0; w < WRITERS; w++)
    {
      int status;
      assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
      assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  cleanup_json json_object *o = read_json("run/containers/auth.json");
  assert_int_equal(json_object_object_length(json_get_obj(o, "auths")), WRITERS * EACH);
}

/* ---- certs.d ---- */

static void
test_certs_dir(void **state)
{
  /* $XDG_CONFIG_HOME/containers/certs.d (here ~/.config). */
  assert_null(certs_dir_for("reg.example.com:5000"));
  cleanup_free char *user_dir = path_in_home(".config/containers/certs.d/reg.example.com:5000");
  ctool_error_t err = NULL;
  assert_int_equal(mkdir_p(user_dir, 0755, &err), 0);
  char *got = certs_dir_for("reg.example.com:5000");
  assert_non_null(got);
  assert_string_equal(got, user_dir);
  free(got);
  /* HOST and HOST:PORT are different directories. */
  assert_null(certs_dir_for("reg.example.com"));
  /* A file of that name is no directory. */
  write_text(".config/containers/certs.d/file.example.com", "x");
  assert_null(certs_dir_for("file.example.com"));
  /* Names that would leave certs.d. */
  assert_null(certs_dir_for("../certs.d/reg.example.com:5000"));
  assert_null(certs_dir_for(".."));
  assert_null(certs_dir_for(""));
  assert_null(certs_dir_for(NULL));

  /* CTOOL_CERTS_D replaces every place. */
  cleanup_free char *test_d = path_in_home("testcerts");
  cleanup_free char *in_test = path_in_home("testcerts/127.0.0.1:5443");
  assert_int_equal(mkdir_p(in_test, 0755, &err), 0);
  setenv("CTOOL_CERTS_D", test_d, 1);
  got = certs_dir_for("127.0.0.1:5443");
  assert_string_equal(got, in_test);
  free(got);
  assert_null(certs_dir_for("reg.example.com:5000"));
  unsetenv("CTOOL_CERTS_D");
}

/* Found by fuzzing (tests/fuzz/fuzz-auth.c): a key of the file went into
 * the message as it was, so the error spread over several lines. */
static void
test_error_quotes_key_printably(void **state)
{
  cleanup_free char *file = path_in_home("run/containers/auth.json");
  write_text("run/containers/auth.json",
             "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/ex\\n\\t\\t}\\n\\t},\\n00\": \"DockeClient\"\n\t}\n}");
  cleanup_free char *msg = lookup_error(NULL, "docker.io");
  cleanup_free char *want = xasprintf("read credentials: the entry for \"https://index.docker.io/v1/ex\\x0a\\x09\\x09}"
                                      "\\x0a\\x09},\\x0a00\" in %s is not a JSON object", file);
  assert_string_equal(msg, want);

  write_text("run/containers/auth.json", "{\"auths\": {\"https://quay.io/\\u001b[2J\": {\"auth\": \"!\"}}}");
  free(msg);
  msg = lookup_error(NULL, "quay.io");
  assert_non_null(strstr(msg, "the \"auth\" field for \"https://quay.io/\\x1b[2J\" in "));
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_base64),
    cmocka_unit_test_setup_teardown(test_store_then_lookup, setup, teardown),
    cmocka_unit_test_setup_teardown(test_search_order, setup, teardown),
    cmocka_unit_test_setup_teardown(test_repository_keys, setup, teardown),
    cmocka_unit_test_setup_teardown(test_docker_spellings, setup, teardown),
    cmocka_unit_test_setup_teardown(test_entries_without_credentials, setup, teardown),
    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
    cmocka_unit_test_setup_teardown(test_error_quotes_key_printably, setup, teardown),
    cmocka_unit_test_setup_teardown(test_store_keeps_the_rest, setup, teardown),
    cmocka_unit_test_setup_teardown(test_store_refuses, setup, teardown),
    cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
    cmocka_unit_test_setup_teardown(test_parallel_stores, setup, teardown),
    cmocka_unit_test_setup_teardown(test_certs_dir, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
