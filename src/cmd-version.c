/* ctool version */
#include "commands.h"
#include "jsonutil.h"
#include "util.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <archive.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

static const struct cli_option version_options[] = {
  { "format", 'f', OPT_STRING, "FORMAT", "Output format: json", "json" },
  { NULL },
};

static int
run_version(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (format && strcmp(format, "json") != 0)
    return ctool_error_set(err, 0, "unsupported --format '%s': use json", format);
  struct utsname u;
  uname(&u);
  const struct scmp_version *sv = seccomp_version();
  if (format)
    {
      cleanup_json json_object *o = json_object_new_object();
      cleanup_free char *seccomp = xasprintf("%u.%u.%u", sv->major, sv->minor, sv->micro);
      json_object_object_add(o, "Version", json_object_new_string(PACKAGE_VERSION));
      json_object_object_add(o, "OsArch", json_object_new_string("linux/" CTOOL_GOARCH));
      json_object_object_add(o, "Kernel", json_object_new_string(u.release));
      json_object_object_add(o, "Libcurl", json_object_new_string(curl_version_info(CURLVERSION_NOW)->version));
      json_object_object_add(o, "Libarchive", json_object_new_string(archive_version_string()));
      json_object_object_add(o, "JsonC", json_object_new_string(json_c_version()));
      json_object_object_add(o, "Libseccomp", json_object_new_string(seccomp));
      puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
      return 0;
    }
  printf("Version:      %s\n", PACKAGE_VERSION);
  printf("OS/Arch:      linux/%s\n", CTOOL_GOARCH);
  printf("Kernel:       %s\n", u.release);
  printf("libcurl:      %s\n", curl_version_info(CURLVERSION_NOW)->version);
  printf("libarchive:   %s\n", archive_version_string());
  printf("json-c:       %s\n", json_c_version());
  printf("libseccomp:   %u.%u.%u\n", sv->major, sv->minor, sv->micro);
  return 0;
}

const struct cli_command cmd_version = {
  .name = "version",
  .summary = "Show ctool's version and the versions of its libraries",
  .usage = "[options]",
  .handler = run_version,
  .options = version_options,
  .max_args = 0,
};
