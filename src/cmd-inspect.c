/* ctool inspect: containers (and images, through the image view) as JSON
 * shaped like Podman's. */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "container-net.h"
#include "format.h"
#include "image-view.h"
#include "jsonutil.h"
#include "signals.h"
#include "start.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static json_object *
time_json(int64_t ns)
{
  char buf[64];
  format_time_rfc3339(buf, sizeof buf, ns);
  return json_object_new_string(buf);
}

static json_object *
copy_or(json_object *v, json_object *dflt)
{
  if (v == NULL)
    return dflt;
  if (dflt)
    json_object_put(dflt);
  return json_object_get(v);
}

static json_object *
state_json(const struct ctr_state *st)
{
  json_object *o = json_object_new_object();
  bool live = status_is_live(st->status);
  json_object_object_add(o, "OciVersion", json_object_new_string("1.0.2"));
  json_object_object_add(o, "Status", json_object_new_string(ctr_status_name(st->status)));
  json_object_object_add(o, "Running", json_object_new_boolean(st->status == CTR_RUNNING));
  json_object_object_add(o, "Paused", json_object_new_boolean(st->status == CTR_PAUSED));
  json_object_object_add(o, "Restarting", json_object_new_boolean(false));
  json_object_object_add(o, "OOMKilled", json_object_new_boolean(st->oom_killed));
  json_object_object_add(o, "Dead", json_object_new_boolean(false));
  json_object_object_add(o, "Pid", json_object_new_int(live ? st->pid : 0));
  json_object_object_add(o, "ConmonPid", json_object_new_int(live ? st->monitor_pid : 0));
  json_object_object_add(o, "ExitCode", json_object_new_int(st->status == CTR_EXITED ? st->exit_code : 0));
  json_object_object_add(o, "Error", json_object_new_string(""));
  json_object_object_add(o, "StartedAt", time_json(st->started_at));
  json_object_object_add(o, "FinishedAt", time_json(st->status == CTR_EXITED ? st->finished_at : 0));
  return o;
}

static json_object *
mounts_json(json_object *spec, json_object *meta, const char *dir)
{
  json_object *out = json_object_new_array();
  json_object *mounts = json_get_array(spec, "mounts");
  json_object *vols = json_get_array(meta, META_VOLUMES);
  for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++)
    {
      json_object *m = json_object_array_get_idx(mounts, i);
      const char *type = json_get_str(m, "type"), *src = json_get_str(m, "source"),
                 *dst = json_get_str(m, "destination");
      /* Only what the user asked for: binds from outside the container's
       * own directory, and tmpfs mounts the defaults do not have. */
      if (type == NULL || src == NULL || dst == NULL || str_has_prefix(src, dir)
          || (strcmp(type, "bind") != 0 && strcmp(type, "tmpfs") != 0) || str_has_prefix(dst, "/dev")
          || strcmp(dst, "/sys") == 0)
        continue;
      json_object *o = json_object_new_object();
      const char *vol_name = NULL;
      for (size_t j = 0; vols && j < json_object_array_length(vols); j++)
        if (strcmp(json_get_str(json_object_array_get_idx(vols, j), "Destination"), dst) == 0)
          vol_name = json_get_str(json_object_array_get_idx(vols, j), "Name");
      json_object_object_add(o, "Type", json_object_new_string(vol_name ? "volume" : type));
      if (vol_name)
        json_object_object_add(o, "Name", json_object_new_string(vol_name));
      json_object_object_add(o, "Source", json_object_new_string(src));
      json_object_object_add(o, "Destination", json_object_new_string(dst));
      json_object_object_add(o, "Driver", json_object_new_string(vol_name ? "local" : ""));
      json_object_object_add(o, "Mode", json_object_new_string(""));
      bool ro = false;
      json_object *opts = json_get_array(m, "options");
      for (size_t j = 0; opts && j < json_object_array_length(opts); j++)
        ro |= strcmp(json_object_get_string(json_object_array_get_idx(opts, j)), "ro") == 0;
      json_object_object_add(o, "Options", copy_or(opts, json_object_new_array()));
      json_object_object_add(o, "RW", json_object_new_boolean(!ro));
      json_object_object_add(o, "Propagation", json_object_new_string("rprivate"));
      json_object_array_add(out, o);
    }
  return out;
}

static json_object *
config_json(const struct container *c, json_object *spec)
{
  json_object *meta = c->meta, *proc = json_get_obj(spec, "process");
  json_object *o = json_object_new_object();
  json_object_object_add(o, "Hostname", copy_or(json_object_object_get(spec, "hostname"), json_object_new_string("")));
  json_object_object_add(o, "Domainname", json_object_new_string(""));
  json_object *user = json_get_obj(proc, "user");
  char ubuf[64];
  snprintf(ubuf, sizeof ubuf, "%lld:%lld", (long long) json_get_int(user, "uid", 0),
           (long long) json_get_int(user, "gid", 0));
  json_object_object_add(o, "User", json_object_new_string(ubuf));
  bool tty = json_get_bool(meta, META_TTY, false), in = json_get_bool(meta, META_INTERACTIVE, false);
  json_object_object_add(o, "AttachStdin", json_object_new_boolean(in));
  json_object_object_add(o, "AttachStdout", json_object_new_boolean(false));
  json_object_object_add(o, "AttachStderr", json_object_new_boolean(false));
  json_object_object_add(o, "Tty", json_object_new_boolean(tty));
  json_object_object_add(o, "OpenStdin", json_object_new_boolean(in));
  json_object_object_add(o, "StdinOnce", json_object_new_boolean(false));
  json_object_object_add(o, "Env", copy_or(json_get_array(proc, "env"), json_object_new_array()));
  json_object_object_add(o, "Cmd", copy_or(json_get_array(meta, META_CMD), json_object_new_array()));
  const char *img = json_get_str(meta, META_IMAGE_NAME);
  json_object_object_add(o, "Image", json_object_new_string(img ? img : ""));
  json_object_object_add(o, "Volumes", NULL);
  const char *cwd = json_get_str(proc, "cwd");
  json_object_object_add(o, "WorkingDir", json_object_new_string(cwd ? cwd : "/"));
  json_object *entry = json_get_array(meta, META_ENTRYPOINT);
  json_object_object_add(o, "Entrypoint", copy_or(entry, json_object_new_array()));
  json_object_object_add(o, "OnBuild", NULL);
  json_object_object_add(o, "Labels", copy_or(json_get_obj(meta, META_LABELS), json_object_new_object()));
  json_object_object_add(o, "Annotations", copy_or(json_get_obj(spec, "annotations"), json_object_new_object()));
  int sig = (int) json_get_int(meta, META_STOP_SIGNAL, 15);
  json_object_object_add(o, "StopSignal", json_object_new_int(sig));
  json_object_object_add(o, "Umask", json_object_new_string("0022"));
  json_object_object_add(o, "StopTimeout", json_object_new_int((int) json_get_int(meta, META_STOP_TIMEOUT, 10)));
  return o;
}

static json_object *
container_inspect_json(const struct container *c, const struct ctr_state *st, json_object *spec)
{
  json_object *meta = c->meta;
  json_object *o = json_object_new_object();
  json_object_object_add(o, "Id", json_object_new_string(c->id));
  json_object_object_add(o, "Created", time_json(json_get_int(meta, META_CREATED, 0)));
  json_object *args = json_get_array(json_get_obj(spec, "process"), "args");
  size_t nargs = args ? json_object_array_length(args) : 0;
  json_object_object_add(o, "Path", nargs ? json_object_get(json_object_array_get_idx(args, 0))
                                          : json_object_new_string(""));
  json_object *rest = json_object_new_array();
  for (size_t i = 1; i < nargs; i++)
    json_object_array_add(rest, json_object_get(json_object_array_get_idx(args, i)));
  json_object_object_add(o, "Args", rest);
  json_object_object_add(o, "State", state_json(st));
  const char *img_id = json_get_str(meta, META_IMAGE_ID), *img = json_get_str(meta, META_IMAGE_NAME);
  json_object_object_add(o, "Image", json_object_new_string(img_id ? img_id : ""));
  json_object_object_add(o, "ImageName", json_object_new_string(img ? img : ""));
  json_object_object_add(o, "Rootfs", json_object_new_string(""));
  json_object_object_add(o, "Pod", json_object_new_string(""));
  cleanup_free char *resolv = xasprintf("%s/resolv.conf", c->dir);
  cleanup_free char *hostname = xasprintf("%s/hostname", c->dir);
  cleanup_free char *hosts = xasprintf("%s/hosts", c->dir);
  cleanup_free char *config = xasprintf("%s/config.json", c->dir);
  json_object_object_add(o, "ResolvConfPath", json_object_new_string(resolv));
  json_object_object_add(o, "HostnamePath", json_object_new_string(hostname));
  json_object_object_add(o, "HostsPath", json_object_new_string(hosts));
  json_object_object_add(o, "StaticDir", json_object_new_string(c->dir));
  json_object_object_add(o, "OCIConfigPath", json_object_new_string(config));
  json_object_object_add(o, "OCIRuntime", json_object_new_string("ctool"));
  json_object_object_add(o, "Name", json_object_new_string(c->name));
  json_object_object_add(o, "RestartCount", json_object_new_int(0));
  json_object_object_add(o, "Driver", json_object_new_string("overlay"));
  json_object *caps = json_get_obj(json_get_obj(spec, "process"), "capabilities");
  json_object_object_add(o, "EffectiveCaps", copy_or(json_get_array(caps, "effective"), json_object_new_array()));
  json_object_object_add(o, "BoundingCaps", copy_or(json_get_array(caps, "bounding"), json_object_new_array()));
  json_object_object_add(o, "ExecIDs", json_object_new_array());
  json_object *gd = json_object_new_object(), *gdd = json_object_new_object();
  json_object_object_add(gd, "Name", json_object_new_string("overlay"));
  json_object *layers = json_get_array(meta, META_LAYERS);
  char *lower = xstrdup("");
  for (size_t i = layers ? json_object_array_length(layers) : 0; i-- > 0;)
    {
      char *n = xasprintf("%s%s%s", lower, *lower ? ":" : "",
                          json_object_get_string(json_object_array_get_idx(layers, i)));
      free(lower);
      lower = n;
    }
  json_object_object_add(gdd, "LowerDir", json_object_new_string(lower));
  free(lower);
  cleanup_free char *upper = xasprintf("%s/upper", c->dir);
  cleanup_free char *work = xasprintf("%s/work", c->dir);
  cleanup_free char *merged = xasprintf("%s/merged", c->dir);
  json_object_object_add(gdd, "UpperDir", json_object_new_string(upper));
  json_object_object_add(gdd, "WorkDir", json_object_new_string(work));
  json_object_object_add(gdd, "MergedDir", json_object_new_string(merged));
  json_object_object_add(gd, "Data", gdd);
  json_object_object_add(o, "GraphDriver", gd);
  json_object_object_add(o, "Mounts", mounts_json(spec, meta, c->dir));
  json_object_object_add(o, "NetworkSettings", ctr_net_inspect(c));
  json_object_object_add(o, "Config", config_json(c, spec));
  json_object *host = json_object_new_object(), *given = json_get_obj(meta, META_HOST_CONFIG);
  if (given)
    {
      json_object_object_foreach(given, key, val)
        json_object_object_add(host, key, json_object_get(val));
    }
  ctr_cgroup_inspect(c, spec, host);
  json_object_object_add(o, "HostConfig", host);
  json_object_object_add(o, "OCIConfig", json_object_get(spec));
  return o;
}

static int
inspect_container(struct cli_ctx *ctx, const char *ref, json_object **out, ctool_error_t *err)
{
  struct container *c = NULL;
  if (container_lookup(ctx, ref, &c, err) < 0)
    return -1;
  struct ctr_state st;
  cleanup_json json_object *spec = NULL;
  int ret = -1;
  if (container_state(c, &st, err) == 0 && container_spec(c, &spec, err) == 0)
    {
      *out = container_inspect_json(c, &st, spec);
      ret = 0;
    }
  container_free(c);
  return ret;
}

static int
inspect_one(struct cli_ctx *ctx, const char *type, const char *ref, json_object **out, ctool_error_t *err)
{
  if (strcmp(type, "image") == 0)
    return image_inspect_by_name(ctx, ref, out, err);
  ctool_error_t e = NULL;
  if (inspect_container(ctx, ref, out, &e) == 0)
    return 0;
  if (strcmp(type, "container") == 0 || e->errnum != ENOENT)
    {
      *err = e;
      return -1;
    }
  ctool_error_free(&e);
  if (image_inspect_by_name(ctx, ref, out, &e) == 0)
    return 0;
  if (e->errnum != ENOENT)
    {
      *err = e;
      return -1;
    }
  ctool_error_free(&e);
  ctool_error_set(err, 0, "no such object: \"%s\"", ref);
  (*err)->errnum = ENOENT;
  return -1;
}

static int
run_inspect(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *type = cli_str(args, "type");
  if (type == NULL || strcmp(type, "all") == 0)
    type = "all";
  else if (strcmp(type, "container") != 0 && strcmp(type, "image") != 0)
    return ctool_error_set(err, 0, "invalid --type '%s': use container, image or all", type);
  const char *format = cli_str(args, "format");
  cleanup_json json_object *arr = json_object_new_array();
  int ret = 0;
  for (size_t i = 0; i < cli_nargs(args); i++)
    {
      json_object *o = NULL;
      ctool_error_t e = NULL;
      if (inspect_one(ctx, type, cli_arg(args, i), &o, &e) < 0)
        {
          if (cli_nargs(args) == 1)
            {
              *err = e;
              return -1;
            }
          fprintf(stderr, "ctool: %s\n", e->msg);
          ctool_error_free(&e);
          ret = EXIT_CTOOL_ERROR;
          continue;
        }
      json_object_array_add(arr, o);
    }
  if (format && strcmp(format, "json") != 0)
    {
      if (format_output(format, arr, true, err) < 0)
        return -1;
      return ret;
    }
  puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                               | JSON_C_TO_STRING_NOSLASHESCAPE));
  return ret;
}

static const struct cli_option inspect_options[] = {
  { "type", 't', OPT_STRING, "TYPE", "What to look for: container, image or all (default)", "container|image|all" },
  { "format", 'f', OPT_STRING, "FORMAT", "Output format: json (default), or a Go template ('{{.State.Pid}}')",
    "json" },
  { NULL },
};

const struct cli_command cmd_inspect = {
  .name = "inspect",
  .summary = "Show details of containers or images as JSON",
  .usage = "[options] NAME [NAME...]",
  .handler = run_inspect,
  .options = inspect_options,
  .min_args = 1,
  .max_args = -1,
  .args_complete = COMPLETE_CONTAINERS,
};

const struct cli_command cmd_container_inspect = {
  .name = "inspect", .summary = "Show details of containers as JSON", .usage = "[options] CONTAINER [CONTAINER...]",
  .handler = run_inspect, .options = inspect_options, .min_args = 1, .max_args = -1,
  .args_complete = COMPLETE_CONTAINERS, .alias_of = "inspect",
};
