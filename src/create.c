#include "create.h"
#include "ctr-cgroup.h"
#include "ctool-conf.h"
#include "container-net.h"
#include "context.h"
#include "create-command.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "logfile.h"
#include "spec.h"
#include "util.h"
#include "volume.h"

#include "extract.h"
#include "image-helper.h"
#include "libimage/image.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The image, pulled first as --pull says: always, or when missing. */
static int
find_image(struct cli_ctx *ctx, const struct run_opts *o, struct image_info **out, ctool_error_t *err)
{
  struct image_store *store = NULL;
  if (ctool_store_open(ctx, &store, err) < 0)
    return -1;
  int ret;
  if (strcmp(o->pull, "always") == 0 && image_helper_pull(ctx, o->image, err) < 0)
    {
      ret = -1;
      goto out;
    }
  ret = image_store_lookup(store, o->image, out, err);
  if (ret < 0 && (*err)->errnum == ENOENT && strcmp(o->pull, "missing") == 0)
    {
      ctool_error_free(err);
      ret = image_helper_pull(ctx, o->image, err);
      if (ret == 0)
        ret = image_store_lookup(store, o->image, out, err);
    }
  else if (ret < 0 && (*err)->errnum == ENOENT)
    {
      ctool_error_free(err);
      ret = ctool_error_set(err, 0, "%s: image not known (--pull=never: pull it first with 'ctool pull')",
                            o->image);
    }
out:
  image_store_close(store);
  return ret;
}

static json_object *
labels_json(char *const *labels, json_object *image_labels)
{
  json_object *o = json_object_new_object();
  if (image_labels && json_object_is_type(image_labels, json_type_object))
    {
      json_object_object_foreach(image_labels, k, v)
        json_object_object_add(o, k, json_object_get(v));
    }
  for (size_t i = 0; labels && labels[i]; i++)
    {
      cleanup_free char *kv = xstrdup(labels[i]);
      char *eq = strchr(kv, '=');
      if (eq)
        *eq = '\0';
      json_object_object_add(o, kv, json_object_new_string(eq ? eq + 1 : ""));
    }
  return o;
}

/* ctool.conf's default ulimits not replaced by an --ulimit of their type,
 * then the --ulimit ones: what the container gets. */
static json_object *
ulimits_json(const struct run_opts *o)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; o->default_ulimits && o->default_ulimits[i]; i++)
    {
      const char *d = o->default_ulimits[i];
      size_t type_len = strcspn(d, "=");
      bool replaced = false;
      for (size_t j = 0; o->ulimits && o->ulimits[j] && !replaced; j++)
        replaced = strncmp(o->ulimits[j], d, type_len) == 0 && o->ulimits[j][type_len] == '=';
      if (!replaced)
        json_object_array_add(a, json_object_new_string(d));
    }
  for (size_t i = 0; o->ulimits && o->ulimits[i]; i++)
    json_object_array_add(a, json_object_new_string(o->ulimits[i]));
  return a;
}

/* The container log's size limit: ctool.conf's containers.log_size_max
 * (-1: none). */
static int64_t
log_size_max_of(const struct cli_ctx *ctx)
{
  return ctx->config ? config_int(ctx->config, CONFIG_LOG_SIZE_MAX) : -1;
}

/* HostConfig.LogConfig as Podman's inspect shows it ("Size": "10MB", "0B"
 * for no limit). */
static json_object *
log_config_json(const char *ctr_dir, int64_t size_max)
{
  cleanup_free char *path = xasprintf("%s/" LOG_FILE, ctr_dir);
  char size[32] = "0B";
  if (size_max > 0)
    {
      format_size(size, sizeof size, (unsigned long long) size_max);
      char *sp = strchr(size, ' ');
      if (sp)
        memmove(sp, sp + 1, strlen(sp));
    }
  json_object *l = json_object_new_object();
  json_object_object_add(l, "Type", json_object_new_string("k8s-file"));
  json_object_object_add(l, "Path", json_object_new_string(path));
  json_object_object_add(l, "Size", json_object_new_string(size));
  return l;
}

/* The flags as Podman's inspect shows them under HostConfig. */
static json_object *
host_config(const struct run_opts *o, const struct net_options *net)
{
  json_object *h = json_object_new_object();
  json_object_object_add(h, "Binds", json_strv_new(o->volumes));
  json_object_object_add(h, "NetworkMode", json_object_new_string(o->network));
  json_object_object_add(h, "AutoRemove", json_object_new_boolean(o->rm));
  json_object_object_add(h, "CapAdd", json_strv_new(o->cap_add));
  json_object_object_add(h, "CapDrop", json_strv_new(o->cap_drop));
  json_object_object_add(h, "Privileged", json_object_new_boolean(o->privileged));
  json_object_object_add(h, "ReadonlyRootfs", json_object_new_boolean(o->read_only));
  json_object_object_add(h, "SecurityOpt", json_strv_new(o->security_opts));
  json_object_object_add(h, "Tmpfs", json_strv_new(o->tmpfs));
  json_object_object_add(h, "Ulimits", ulimits_json(o));
  json_object_object_add(h, "Init", json_object_new_boolean(o->init));
  json_object_object_add(h, "UsernsMode", json_object_new_string(o->keep_id ? "keep-id" : ""));
  json_object *settings = net_inspect_json(net, NULL);
  json_object_object_add(h, "PortBindings", json_object_get(json_get_obj(settings, "Ports")));
  json_object_put(settings);
  json_object_object_add(h, "Dns", json_strv_new(o->dns));
  json_object_object_add(h, "DnsSearch", json_strv_new(o->dns_search));
  json_object_object_add(h, "DnsOptions", json_strv_new(o->dns_options));
  json_object_object_add(h, "ExtraHosts", json_strv_new(o->add_hosts));
  json_object_object_add(h, "PublishAllPorts", json_object_new_boolean(o->publish_all));
  return h;
}

static json_object *
build_meta(const struct container_draft *d, const struct run_opts *o, const struct image_info *img,
           json_object *spec, const struct spec_extra *extra, const struct net_options *net)
{
  json_object *m = json_object_new_object();
  json_object_object_add(m, META_ID, json_object_new_string(d->id));
  json_object_object_add(m, META_NAME, json_object_new_string(d->name));
  json_object_object_add(m, META_CREATED, json_object_new_int64(time_now_ns()));
  json_object_object_add(m, META_IMAGE_ID, json_object_new_string(img->id));
  const char *image_name = img->names && img->names[0] ? img->names[0] : o->image;
  json_object_object_add(m, META_IMAGE_NAME, json_object_new_string(image_name));
  json_object *args = json_get_array(json_get_obj(spec, "process"), "args");
  json_object_object_add(m, META_COMMAND, json_object_get(args));
  json_object_object_add(m, META_LABELS,
                         labels_json(o->labels, json_get_obj(json_get_obj(img->config, "config"), "Labels")));
  json_object_object_add(m, META_RM, json_object_new_boolean(o->rm));
  json_object_object_add(m, META_NETWORK, json_object_new_string(o->network));
  json_object_object_add(m, META_PORTS, net_ports_to_json(net->ports, net->n_ports));
  json_object_object_add(m, META_STOP_SIGNAL, json_object_new_int(extra->stop_signal));
  json_object_object_add(m, META_STOP_TIMEOUT, json_object_new_int(o->stop_timeout >= 0 ? o->stop_timeout : 10));
  json_object_object_add(m, META_TTY, json_object_new_boolean(o->tty));
  json_object_object_add(m, META_INTERACTIVE, json_object_new_boolean(o->interactive));
  json_object_object_add(m, META_KEEP_ID, json_object_new_boolean(o->keep_id));
  json_object *layers = json_object_new_array();
  for (size_t i = 0; img->layer_dirs && img->layer_dirs[i]; i++)
    json_object_array_add(layers, json_object_new_string(img->layer_dirs[i]));
  json_object_object_add(m, META_LAYERS, layers);
  json_object_object_add(m, META_VOLUMES, json_object_get(extra->volumes));
  json_object_object_add(m, META_ENTRYPOINT, json_strv_new(extra->entrypoint));
  json_object_object_add(m, META_CMD, json_strv_new(extra->cmd));
  json_object_object_add(m, META_HOST_CONFIG, host_config(o, net));
  json_object_object_add(m, META_CREATE_COMMAND, create_command_current());
  return m;
}

static char *
containerenv_text(const struct container_draft *d, const struct image_info *img, const char *image_name)
{
  return xasprintf("engine=\"ctool-%s\"\nname=\"%s\"\nid=\"%s\"\nimage=\"%s\"\nimageid=\"%s\"\nrootless=1\n",
                   PACKAGE_VERSION, d->name, d->id, image_name, img->id);
}

static int
write_etc_files(struct container_draft *d, const struct run_opts *o, const struct image_info *img,
                const struct spec_extra *extra, const struct net_options *net, ctool_error_t *err)
{
  cleanup_free char *hostname = xasprintf("%s\n", extra->hostname);
  cleanup_free char *hosts = ctr_net_hosts_text(o, net, extra->hostname);
  cleanup_free char *resolv = ctr_net_resolv_text(o, net);
  const char *image_name = img->names && img->names[0] ? img->names[0] : o->image;
  cleanup_free char *env = containerenv_text(d, img, image_name);
  if (container_draft_write(d, "hostname", hostname, err) < 0 || container_draft_write(d, "hosts", hosts, err) < 0
      || container_draft_write(d, "resolv.conf", resolv, err) < 0
      || container_draft_write(d, ".containerenv", env, err) < 0
      || (extra->passwd && container_draft_write(d, "passwd", extra->passwd, err) < 0)
      || (extra->group && container_draft_write(d, "group", extra->group, err) < 0))
    return -1;
  return 0;
}

/* --cgroups=disabled, run's --cgroup-manager, the global one, ctool.conf. */
static const char *
cgroup_manager_of(const struct cli_ctx *ctx, const struct run_opts *o)
{
  if (o->cgroup_manager)
    return o->cgroup_manager;
  if (ctx->cgroup_manager)
    return ctx->cgroup_manager;
  return ctx->config ? config_str(ctx->config, CONFIG_CGROUP_MANAGER) : NULL;
}

/* The limits go into config.json linux.resources, where the start reads them. */
static void
add_cgroup_settings(const struct run_opts *o, json_object *spec)
{
  json_object *linux_obj = json_get_obj(spec, "linux");
  if (linux_obj)
    json_object_object_add(linux_obj, "resources", cgroup_limits_to_oci(&o->limits));
}

int
container_create_from_opts(struct cli_ctx *ctx, const struct run_opts *o, struct container **out,
                           ctool_error_t *err)
{
  if (ctx_ensure_dirs(ctx, err) < 0)
    return -1;
  struct image_info *img = NULL;
  struct container_draft d = { 0 };
  struct spec_extra extra = { 0 };
  cleanup_json json_object *spec = NULL;
  cleanup_json json_object *meta = NULL;
  cleanup_free char *spec_path = NULL;
  struct spec_input in;
  struct net_options net = { 0 };
  int ret = -1;

  /* Published ports are checked (in use? privileged?) before anything exists. */
  if (find_image(ctx, o, &img, err) < 0 || ctr_net_plan(o, img->config, &net, err) < 0
      || container_draft_begin(ctx, o->name, &d, err) < 0)
    goto out;
  in = (struct spec_input){
    .id = d.id,
    .name = d.name,
    .ctr_dir = d.final_dir,
    .store_root = ctx->root,
    .image_config = img->config,
    .layer_dirs = img->layer_dirs,
    .opts = o,
  };
  if (spec_build(&in, &spec, &extra, err) < 0)
    goto out;
  add_cgroup_settings(o, spec);
  /* Everything checked: from here on, things are written. */
  if (container_draft_mkdirs(&d, err) < 0 || write_etc_files(&d, o, img, &extra, &net, err) < 0)
    goto out;
  spec_path = xasprintf("%s/config.json", d.tmp_dir);
  if (json_write_file_at(AT_FDCWD, spec_path, spec, 0600, err) < 0)
    goto out;
  for (size_t i = 0; i < json_object_array_length(extra.volumes); i++)
    {
      json_object *v = json_object_array_get_idx(extra.volumes, i);
      if (volume_ensure(ctx->root, json_get_str(v, "Name"), json_get_bool(v, "Anonymous", false), err) < 0)
        goto out;
    }
  meta = build_meta(&d, o, img, spec, &extra, &net);
  json_object_object_add(json_get_obj(meta, META_HOST_CONFIG), "LogConfig",
                         log_config_json(d.final_dir, log_size_max_of(ctx)));
  json_object_object_add(meta, META_LOG_SIZE_MAX, json_object_new_int64(log_size_max_of(ctx)));
  if (o->pids_limit_origin)
    json_object_object_add(meta, META_PIDS_LIMIT_ORIGIN, json_object_new_string(o->pids_limit_origin));
  if (cgroup_manager_of(ctx, o))
    json_object_object_add(meta, META_CGROUP_MANAGER, json_object_new_string(cgroup_manager_of(ctx, o)));
  if (container_draft_commit(ctx, &d, meta, err) < 0)
    goto out;
  ret = container_open(ctx, d.id, out, err);
out:
  net_options_clear(&net);
  spec_extra_clear(&extra);
  container_draft_free(&d);
  image_info_free(img);
  return ret;
}
