/* Registry credentials in the files Podman and Docker write
 * (containers-auth.json(5)): {"auths": {"KEY": {"auth": base64("user:pass")}}}.
 * KEY is a host[:port], optionally with a namespace or repository path
 * ("quay.io/team"), or, from older Docker versions, a URL such as
 * "https://index.docker.io/v1/". Reads search several files; writes go to
 * one file, read-modify-write under a lock, atomically, mode 0600. */
#include "auth.h"
#include "base64.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "quote.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define AUTH_FILE_MAX (4u << 20)

struct auth_path {
  char *path;
  bool legacy;  /* ~/.dockercfg: {"KEY": {...}} without "auths" */
};

static char *
home_dir(void)
{
  const char *home = getenv("HOME");
  return home && *home ? xstrdup(home) : NULL;
}

static char *
config_home(void)
{
  const char *xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg == '/')
    return xstrdup(xdg);
  cleanup_free char *home = home_dir();
  return home ? xasprintf("%s/.config", home) : NULL;
}

static char *
runtime_dir(void)
{
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg)
    return xstrdup(xdg);
  return xasprintf("/run/user/%u", (unsigned) getuid());
}

static const char *
env_auth_file(void)
{
  const char *f = getenv("REGISTRY_AUTH_FILE");
  return f && *f ? f : NULL;
}

char *
auth_default_file(void)
{
  if (env_auth_file())
    return xstrdup(env_auth_file());
  cleanup_free char *run = runtime_dir();
  return xasprintf("%s/containers/auth.json", run);
}

void
auth_cred_clear(struct auth_cred *c)
{
  free(c->username);
  if (c->password)
    {
      explicit_bzero(c->password, strlen(c->password));
      free(c->password);
    }
  c->username = c->password = NULL;
}

/* The files to search, in order. --authfile and $REGISTRY_AUTH_FILE are
 * used alone, as Podman passes the latter as the --authfile default. */
static size_t
auth_paths(const char *authfile, struct auth_path out[5])
{
  size_t n = 0;
  const char *only = authfile ? authfile : env_auth_file();
  if (only)
    {
      out[n++] = (struct auth_path){ xstrdup(only), false };
      return n;
    }
  out[n++] = (struct auth_path){ auth_default_file(), false };
  cleanup_free char *cfg = config_home();
  if (cfg)
    out[n++] = (struct auth_path){ xasprintf("%s/containers/auth.json", cfg), false };
  cleanup_free char *home = home_dir();
  const char *docker_config = getenv("DOCKER_CONFIG");
  if (docker_config && *docker_config)
    out[n++] = (struct auth_path){ xasprintf("%s/config.json", docker_config), false };
  else if (home)
    out[n++] = (struct auth_path){ xasprintf("%s/.docker/config.json", home), false };
  if (home)
    out[n++] = (struct auth_path){ xasprintf("%s/.dockercfg", home), true };
  return n;
}

/* Read FILE as JSON; a missing file is an empty object (*out NULL). */
static int
read_auth_json(int dirfd, const char *file, const char *display, json_object **out, ctool_error_t *err)
{
  *out = NULL;
  cleanup_free char *text = NULL;
  size_t len;
  ctool_error_t read_err = NULL;
  if (read_file_at(dirfd, file, &text, &len, AUTH_FILE_MAX, &read_err) < 0)
    {
      if (read_err->errnum == ENOENT)
        {
          ctool_error_free(&read_err);
          return 0;
        }
      *err = steal_pointer(&read_err);
      return -1;
    }
  json_object *obj;
  if (json_parse_text(text, len, display, &obj, err) < 0)
    return ctool_error_prefix(err, "read credentials (fix or remove the file)");
  if (!json_object_is_type(obj, json_type_object))
    {
      json_object_put(obj);
      return ctool_error_set(err, 0, "read credentials: %s is not a JSON object", display);
    }
  *out = obj;
  return 0;
}

/* The "auths" object of a parsed file (the whole file in legacy format). */
static int
auths_of(json_object *root, bool legacy, const char *path, json_object **auths, ctool_error_t *err)
{
  *auths = NULL;
  if (legacy)
    {
      *auths = root;
      return 0;
    }
  json_object *a;
  if (!json_object_object_get_ex(root, "auths", &a) || a == NULL)
    return 0;
  if (!json_object_is_type(a, json_type_object))
    return ctool_error_set(err, 0, "read credentials: \"auths\" in %s is not a JSON object", path);
  *auths = a;
  return 0;
}

/* Host part of a key: URLs ("https://host/v1/") lose scheme and path;
 * Docker Hub's names all become one. */
static char *
normalize_key(const char *key, bool legacy)
{
  const char *s = key;
  bool url = false;
  if (str_has_prefix(s, "https://"))
    s += 8, url = true;
  else if (str_has_prefix(s, "http://"))
    s += 7, url = true;
  size_t len = (url || legacy) ? strcspn(s, "/") : strlen(s);
  char *host = xstrndup(s, len);
  if (strcmp(host, "docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0)
    {
      free(host);
      host = xstrdup("index.docker.io");
    }
  return host;
}

/* Decode one entry. 1: credentials; 0: nothing usable; -1: error. */
static int
decode_entry(json_object *entry, const char *key, const char *path, struct auth_cred *out, ctool_error_t *err)
{
  cleanup_free char *quoted = quote_untrusted(key, 200);
  if (!json_object_is_type(entry, json_type_object))
    return ctool_error_set(err, 0, "read credentials: the entry for \"%s\" in %s is not a JSON object", quoted, path);
  if (json_get_str(entry, "identitytoken") && *json_get_str(entry, "identitytoken"))
    log_debug("%s: ignoring the identity token of \"%s\" (OAuth2 identity tokens are not supported)", path, key);
  const char *auth = json_get_str(entry, "auth");
  if (auth == NULL || *auth == '\0')
    return 0;
  cleanup_free unsigned char *raw = NULL;
  size_t len;
  if (!base64_decode(auth, &raw, &len))
    return ctool_error_set(err, 0, "read credentials: the \"auth\" field for \"%s\" in %s is not valid base64 "
                                   "(log in again to replace it)", quoted, path);
  /* Go's tools trim NULs at the end of the password. */
  while (len > 0 && raw[len - 1] == '\0')
    len--;
  char *colon = memchr(raw, ':', len);
  if (colon == NULL || memchr(raw, '\0', len))
    {
      log_debug("%s: the \"auth\" field for \"%s\" is not user:password; ignored", path, key);
      explicit_bzero(raw, len);
      return 0;
    }
  out->username = xstrndup((char *) raw, (size_t) (colon - (char *) raw));
  out->password = xstrndup(colon + 1, len - (size_t) (colon + 1 - (char *) raw));
  explicit_bzero(raw, len);
  if (*out->username == '\0' || *out->password == '\0')
    {
      auth_cred_clear(out);
      return 0;
    }
  return 1;
}

/* Keys to try exactly, most specific first: host/a/b, host/a, host. */
static char **
exact_keys(const char *registry, bool legacy)
{
  char **keys = NULL;
  cleanup_free char *name = xstrdup(registry);
  for (;;)
    {
      if (!legacy || strchr(name, '/') == NULL)
        strv_push(&keys, name);
      char *slash = strrchr(name, '/');
      if (slash == NULL)
        break;
      *slash = '\0';
    }
  return keys;
}

static int
find_in_auths(json_object *auths, const struct auth_path *p, const char *registry, struct auth_cred *out,
              ctool_error_t *err)
{
  cleanup_strv char **keys = exact_keys(registry, p->legacy);
  for (size_t i = 0; keys && keys[i]; i++)
    {
      json_object *entry;
      if (json_object_object_get_ex(auths, keys[i], &entry))
        {
          int r = decode_entry(entry, keys[i], p->path, out, err);
          if (r != 0)
            return r;
        }
    }
  /* Then keys in other spellings of the host ("https://host/v1/"). */
  cleanup_free char *host = xstrndup(registry, strcspn(registry, "/"));
  cleanup_free char *want = normalize_key(host, false);
  json_object_object_foreach(auths, key, entry)
  {
    cleanup_free char *norm = normalize_key(key, p->legacy);
    if (strcmp(norm, want) != 0 || strv_contains(keys, key))
      continue;
    int r = decode_entry(entry, key, p->path, out, err);
    if (r != 0)
      return r;
  }
  return 0;
}

int
auth_lookup_source(const char *authfile, const char *registry, struct auth_cred *out, char **source,
                   ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  if (source)
    *source = NULL;
  struct auth_path paths[5];
  size_t n = auth_paths(authfile, paths);
  int ret = 0;
  for (size_t i = 0; i < n && ret == 0; i++)
    {
      json_object *root = NULL;
      json_object *auths;
      if (read_auth_json(AT_FDCWD, paths[i].path, paths[i].path, &root, err) < 0
          || (root && auths_of(root, paths[i].legacy, paths[i].path, &auths, err) < 0))
        ret = -1;
      else if (root && auths)
        ret = find_in_auths(auths, &paths[i], registry, out, err);
      if (ret > 0)
        {
          log_debug("credentials for %s from %s", registry, paths[i].path);
          if (source)
            *source = xstrdup(paths[i].path);
        }
      if (root)
        json_object_put(root);
    }
  for (size_t i = 0; i < n; i++)
    free(paths[i].path);
  if (ret < 0)
    auth_cred_clear(out);
  return ret < 0 ? -1 : 0;
}

int
auth_lookup(const char *authfile, const char *registry, struct auth_cred *out, ctool_error_t *err)
{
  return auth_lookup_source(authfile, registry, out, NULL, err);
}

/* ---- writing ---- */

typedef int (*auth_edit_fn)(json_object *auths, void *data, bool *changed);

/* Lock the directory of FILE, read FILE, let EDIT change "auths", write
 * it back atomically (0600) when it changed. CREATE: make the directory
 * (0700) and the file when missing; otherwise a missing file is a no-op. */
static int
modify_auth_file(const char *file, bool create, auth_edit_fn edit, void *data, ctool_error_t *err)
{
  cleanup_free char *dir_copy = xstrdup(file);
  cleanup_free char *base_copy = xstrdup(file);
  const char *dir = dirname(dir_copy);
  const char *base = basename(base_copy);
  if (*base == '\0' || strcmp(base, "/") == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    return ctool_error_set(err, 0, "invalid credentials file name '%s'", file);
  if (create && mkdir_p(dir, 0700, err) < 0)
    return ctool_error_prefix(err, "store credentials");
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    {
      if (!create && errno == ENOENT)
        return 0;
      return ctool_error_set(err, errno, "open directory %s", dir);
    }
  if (lock_fd(dfd, true, err) < 0)
    return ctool_error_prefix(err, "lock %s", dir);

  cleanup_json json_object *root = NULL;
  if (read_auth_json(dfd, base, file, &root, err) < 0)
    return -1;
  if (root == NULL)
    {
      if (!create)
        return 0;
      root = json_object_new_object();
    }
  json_object *auths;
  if (auths_of(root, false, file, &auths, err) < 0)
    return -1;
  if (auths == NULL)
    {
      auths = json_object_new_object();
      json_object_object_add(root, "auths", auths);
    }
  bool changed = false;
  if (edit(auths, data, &changed) < 0 || !changed)
    return 0;
  size_t len;
  const char *text = json_object_to_json_string_length(
    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  cleanup_free char *with_newline = xasprintf("%s\n", text);
  int ret = write_file_atomic_at(dfd, base, with_newline, len + 1, 0600, true, err);
  explicit_bzero(with_newline, len + 1);
  if (ret < 0)
    return ctool_error_prefix(err, "store credentials");
  return 0;
}

struct store_args {
  const char *key;
  const struct auth_cred *cred;
};

static int
store_edit(json_object *auths, void *data, bool *changed)
{
  struct store_args *a = data;
  cleanup_free char *plain = xasprintf("%s:%s", a->cred->username, a->cred->password);
  cleanup_free char *encoded = base64_encode(plain, strlen(plain));
  explicit_bzero(plain, strlen(plain));
  json_object *entry = json_object_new_object();
  json_object_object_add(entry, "auth", json_object_new_string(encoded));
  explicit_bzero(encoded, strlen(encoded));
  json_object_object_add(auths, a->key, entry);
  *changed = true;
  return 0;
}

/* The default file lives in $XDG_RUNTIME_DIR: say so when it is gone. */
static int
check_runtime_dir(const char *authfile, ctool_error_t *err)
{
  if (authfile || env_auth_file())
    return 0;
  cleanup_free char *run = runtime_dir();
  struct stat st;
  if (stat(run, &st) < 0)
    return ctool_error_set(err, errno, "the runtime directory %s (from $XDG_RUNTIME_DIR or /run/user/UID) is not "
                                       "usable: log in through a session that creates it, or use --authfile", run);
  return 0;
}

int
auth_store(const char *authfile, const char *registry, const struct auth_cred *cred, ctool_error_t *err)
{
  if (registry == NULL || *registry == '\0')
    return ctool_error_set(err, 0, "store credentials: empty registry name");
  if (cred->username == NULL || *cred->username == '\0' || strchr(cred->username, ':'))
    return ctool_error_set(err, 0, "store credentials: the user name must be non-empty and must not contain ':'");
  if (cred->password == NULL || *cred->password == '\0')
    return ctool_error_set(err, 0, "store credentials: empty password");
  if (check_runtime_dir(authfile, err) < 0)
    return -1;
  cleanup_free char *file = authfile ? xstrdup(authfile) : auth_default_file();
  struct store_args args = { registry, cred };
  return modify_auth_file(file, true, store_edit, &args, err);
}

struct remove_args {
  const char *key;
  int found;
};

/* Remove KEY; for a bare host also its other spellings ("https://host/v1/",
 * Docker Hub's names), which a lookup of that host would still find. */
static int
remove_edit(json_object *auths, void *data, bool *changed)
{
  struct remove_args *a = data;
  cleanup_strv char **doomed = NULL;
  bool bare_host = strchr(a->key, '/') == NULL;
  cleanup_free char *want = normalize_key(a->key, false);
  json_object_object_foreach(auths, key, entry)
  {
    (void) entry;
    bool same = strcmp(key, a->key) == 0;
    if (!same && bare_host && (strstr(key, "://") || strchr(key, '/') == NULL))
      {
        cleanup_free char *norm = normalize_key(key, false);
        same = strcmp(norm, want) == 0;
      }
    if (same)
      strv_push(&doomed, key);
  }
  for (size_t i = 0; doomed && doomed[i]; i++)
    json_object_object_del(auths, doomed[i]);
  if (doomed)
    {
      a->found = 1;
      *changed = true;
    }
  return 0;
}

int
auth_remove(const char *authfile, const char *registry, int *found, ctool_error_t *err)
{
  *found = 0;
  if (registry == NULL || *registry == '\0')
    return ctool_error_set(err, 0, "remove credentials: empty registry name");
  cleanup_free char *file = authfile ? xstrdup(authfile) : auth_default_file();
  struct remove_args args = { registry, 0 };
  if (modify_auth_file(file, false, remove_edit, &args, err) < 0)
    return -1;
  *found = args.found;
  return 0;
}

static int
remove_all_edit(json_object *auths, void *data, bool *changed)
{
  cleanup_strv char **keys = NULL;
  json_object_object_foreach(auths, key, entry)
  {
    (void) entry;
    strv_push(&keys, key);
  }
  for (size_t i = 0; keys && keys[i]; i++)
    json_object_object_del(auths, keys[i]);
  *changed = keys != NULL;
  return 0;
}

int
auth_remove_all(const char *authfile, ctool_error_t *err)
{
  cleanup_free char *file = authfile ? xstrdup(authfile) : auth_default_file();
  return modify_auth_file(file, false, remove_all_edit, NULL, err);
}

/* ---- certs.d ---- */

char *
certs_dir_for(const char *registry)
{
  if (registry == NULL || *registry == '\0' || strchr(registry, '/') || strcmp(registry, ".") == 0
      || strcmp(registry, "..") == 0)
    return NULL;
  char *candidates[3] = { NULL, NULL, NULL };
  const char *test_dir = getenv("CTOOL_CERTS_D");
  if (test_dir && *test_dir)
    candidates[0] = xasprintf("%s/%s", test_dir, registry);
  else
    {
      cleanup_free char *cfg = config_home();
      size_t n = 0;
      if (cfg)
        candidates[n++] = xasprintf("%s/containers/certs.d/%s", cfg, registry);
      candidates[n++] = xasprintf("/etc/containers/certs.d/%s", registry);
      candidates[n++] = xasprintf("/etc/docker/certs.d/%s", registry);
    }
  char *found = NULL;
  for (size_t i = 0; i < 3; i++)
    {
      struct stat st;
      if (found == NULL && candidates[i] && stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
        found = steal_pointer(&candidates[i]);
      free(candidates[i]);
    }
  return found;
}
