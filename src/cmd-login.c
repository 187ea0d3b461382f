/* ctool login, ctool logout */
#include "commands.h"
#include "image-helper.h"
#include "libimage/auth.h"
#include "libimage/regconf.h"
#include "libimage/registry.h"
#include "prompt.h"
#include "regopts.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "https://host:5000/" -> "host:5000"; "host/namespace" stays (credentials
 * for one namespace, as Podman allows). Docker Hub's aliases become docker.io. */
static char *
registry_key(const char *arg)
{
  if (str_has_prefix(arg, "https://"))
    arg += 8;
  else if (str_has_prefix(arg, "http://"))
    arg += 7;
  char *key = xstrdup(arg);
  size_t len = strlen(key);
  while (len > 0 && key[len - 1] == '/')
    key[--len] = '\0';
  size_t host_len = strcspn(key, "/");
  if ((host_len == 15 && strncmp(key, "index.docker.io", 15) == 0)
      || (host_len == 20 && strncmp(key, "registry-1.docker.io", 20) == 0))
    {
      char *k = xasprintf("docker.io%s", key + host_len);
      free(key);
      key = k;
    }
  return key;
}

/* The registry named on the command line, or the first search registry
 * as Podman does. */
static int
registry_arg(const struct cli_args *args, const struct regconf *conf, char **out, ctool_error_t *err)
{
  const char *arg = cli_nargs(args) ? cli_arg(args, 0) : (conf->search ? conf->search[0] : NULL);
  if (arg == NULL)
    return ctool_error_set(err, 0, "no registry given and no unqualified-search-registries in registries.conf: "
                                   "name one, e.g. 'ctool %s quay.io'", cli_path(args));
  *out = registry_key(arg);
  if ((*out)[0] == '\0' || (*out)[0] == '/')
    return ctool_error_set(err, 0, "invalid registry '%s': give a host name such as quay.io or 127.0.0.1:5000", arg);
  return 0;
}

static bool
registry_insecure(const struct regconf *conf, const char *key)
{
  const struct regconf_registry *r = regconf_find(conf, key);
  return r && r->insecure;
}

static int
get_login(const char *authfile, const char *key, ctool_error_t *err)
{
  struct auth_cred cred = { 0 };
  if (auth_lookup(authfile, key, &cred, err) < 0)
    return -1;
  if (cred.username == NULL)
    return ctool_error_set(err, 0, "not logged into %s", key);
  printf("%s\n", cred.username);
  auth_cred_clear(&cred);
  return 0;
}

/* What to log in with: the options, stdin, or the terminal. */
static int
gather_creds(const struct cli_args *args, const char *key, const struct auth_cred *old, struct auth_cred *out,
             ctool_error_t *err)
{
  const char *user = cli_str(args, "username");
  const char *pass = cli_str(args, "password");
  bool from_stdin = cli_flag(args, "password-stdin");
  if (pass && from_stdin)
    return ctool_error_set(err, 0, "--password and --password-stdin cannot be used together");
  if (from_stdin && user == NULL)
    return ctool_error_set(err, 0, "--password-stdin needs --username");
  if (user)
    out->username = xstrdup(user);
  else
    {
      cleanup_free char *prompt = old->username ? xasprintf("Username (%s): ", old->username) : xstrdup("Username: ");
      if (prompt_line(prompt, true, "username", "use -u USERNAME", &out->username, err) < 0)
        return -1;
      if (out->username[0] == '\0' && old->username)
        {
          free(out->username);
          out->username = xstrdup(old->username);
        }
    }
  if (out->username[0] == '\0')
    return ctool_error_set(err, 0, "the username for %s is empty", key);
  if (from_stdin)
    {
      if (read_stdin_secret(&out->password, err) < 0)
        return -1;
    }
  else if (pass)
    out->password = xstrdup(pass);
  else if (prompt_line("Password: ", false, "password", "use -p PASSWORD or --password-stdin", &out->password, err) < 0)
    return -1;
  if (out->password[0] == '\0')
    return ctool_error_set(err, 0, "the password for %s is empty", key);
  return 0;
}

static bool
creds_given(const struct cli_args *args)
{
  return cli_str(args, "username") || cli_str(args, "password") || cli_flag(args, "password-stdin");
}

int
cmd_login_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *authfile = cli_str(args, "authfile");
  struct regconf conf = { 0 };
  struct registry_client *client = NULL;
  struct auth_cred old = { 0 }, cred = { 0 };
  cleanup_free char *key = NULL;
  cleanup_free char *host = NULL;
  struct registry_client_opts copts;
  bool insecure;
  int ret = -1;

  if (cli_check_authfile(authfile, true, err) < 0 || regconf_load(&conf, err) < 0 || registry_arg(args, &conf, &key, err) < 0)
    goto out;
  if (cli_flag(args, "get-login"))
    {
      ret = get_login(authfile, key, err);
      goto out;
    }
  host = xstrndup(key, strcspn(key, "/"));
  copts = (struct registry_client_opts){ .tls_verify = cli_tls_verify(args), .authfile = authfile };
  if (registry_client_new(&copts, &client, err) < 0 || auth_lookup(authfile, key, &old, err) < 0)
    goto out;
  insecure = registry_insecure(&conf, key);

  if (!creds_given(args) && old.username)
    {
      /* Podman's shortcut: stored credentials that still work are kept. */
      ctool_error_t stale = NULL;
      fprintf(stderr, "Authenticating with existing credentials for %s\n", key);
      if (registry_check_login(client, host, insecure, &old, &stale) == 0)
        {
          printf("Existing credentials are valid. Already logged in to %s\n", key);
          ret = 0;
          goto out;
        }
      fprintf(stderr, "Existing credentials are invalid, please enter valid username and password\n");
      ctool_error_free(&stale);
    }
  if (gather_creds(args, key, &old, &cred, err) < 0)
    goto out;
  if (registry_check_login(client, host, insecure, &cred, err) < 0)
    {
      ctool_error_prefix(err, "logging in to %s", key);
      goto out;
    }
  if (auth_store(authfile, key, &cred, err) < 0)
    goto out;
  printf("Login Succeeded!\n");
  ret = 0;

out:
  auth_cred_clear(&old);
  auth_cred_clear(&cred);
  registry_client_free(client);
  regconf_clear(&conf);
  return ret;
}

int
cmd_logout_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *authfile = cli_str(args, "authfile");
  if (cli_check_authfile(authfile, true, err) < 0)
    return -1;
  if (cli_flag(args, "all"))
    {
      if (cli_nargs(args) > 0)
        return ctool_error_set(err, 0, "--all and a registry name cannot be used together");
      if (auth_remove_all(authfile, err) < 0)
        return -1;
      printf("Removed login credentials for all registries\n");
      return 0;
    }
  struct regconf conf = { 0 };
  cleanup_free char *key = NULL;
  int found = 0;
  int ret = regconf_load(&conf, err);
  if (ret == 0)
    ret = registry_arg(args, &conf, &key, err);
  if (ret == 0)
    ret = auth_remove(authfile, key, &found, err);
  if (ret == 0 && !found)
    ret = ctool_error_set(err, 0, "not logged into %s", key);
  if (ret == 0)
    printf("Removed login credentials for %s\n", key);
  regconf_clear(&conf);
  return ret;
}
