/* ctool version */
#include "commands.h"
#include "format.h"
#include "image-helper.h"
#include "jsonutil.h"
#include "util.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <archive.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* What --format sees: the fields Podman users know from `podman version`. */
static json_object *
version_json(void)
{
  struct utsname u;
  uname(&u);
  const struct scmp_version *sv = seccomp_version();
  json_object *o = json_object_new_object();
  cleanup_free char *seccomp = xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);
  json_object_object_add(o, "Version", json_object_new_string(PACKAGE_VERSION));
  json_object_object_add(o, "OsArch", json_object_new_string("linux/" CTOOL_GOARCH));
  json_object_object_add(o, "Kernel", json_object_new_string(u.release));
  json_object_object_add(o, "Libcurl", json_object_new_string(curl_version_info(CURLVERSION_NOW)->version));
  json_object_object_add(o, "Libarchive", json_object_new_string(archive_version_string()));
  json_object_object_add(o, "JsonC", json_object_new_string(json_c_version()));
  json_object_object_add(o, "Libseccomp", json_object_new_string(seccomp));
  return o;
}

int
cmd_version_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  cleanup_json json_object *o = version_json();
  if (format)
    return format_output(format, o, false, err);
  printf("Version:      %s\n", json_get_str(o, "Version"));
  printf("OS/Arch:      %s\n", json_get_str(o, "OsArch"));
  printf("Kernel:       %s\n", json_get_str(o, "Kernel"));
  printf("libcurl:      %s\n", json_get_str(o, "Libcurl"));
  printf("libarchive:   %s\n", json_get_str(o, "Libarchive"));
  printf("json-c:       %s\n", json_get_str(o, "JsonC"));
  printf("libseccomp:   %s\n", json_get_str(o, "Libseccomp"));
  return 0;
}
