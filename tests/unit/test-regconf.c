/* Unit tests of the registries.conf reader: TOML syntax, the meaning of
 * the keys, drop-in merging, prefix matching, short names and mirrors. */
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
#include <unistd.h>

#include "fsutil.h"
#include "regconf.h"
#include "util.h"

/* ---- helpers ---- */

static struct regconf
parse_ok(const char *text)
{
  struct regconf c = { 0 };
  ctool_error_t err = NULL;
  if (regconf_parse_text(&c, text, "test.conf", &err) < 0)
    fail_msg("parse failed: %s", err->msg);
  return c;
}

static char *
parse_err(const char *text)
{
  struct regconf c = { 0 };
  ctool_error_t err = NULL;
  if (regconf_parse_text(&c, text, "test.conf", &err) == 0)
    fail_msg("accepted: %s", text);
  /* A bad file changes nothing. */
  assert_int_equal(c.n_registries, 0);
  assert_null(c.search);
  assert_int_equal(c.n_aliases, 0);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  regconf_clear(&c);
  return msg;
}

static void
assert_err(const char *text, const char *want)
{
  char *msg = parse_err(text);
  if (strcmp(msg, want) != 0)
    fail_msg("for %s\n  got:  %s\n  want: %s", text, msg, want);
  free(msg);
}

/* Capture what ctool_log prints while F runs. */
struct captured {
  int saved_fd;
  FILE *tmp;
};

static struct captured
capture_stderr(void)
{
  struct captured c;
  fflush(stderr);
  c.saved_fd = dup(2);
  c.tmp = tmpfile();
  assert_non_null(c.tmp);
  dup2(fileno(c.tmp), 2);
  return c;
}

static char *
release_stderr(struct captured *c)
{
  fflush(stderr);
  dup2(c->saved_fd, 2);
  close(c->saved_fd);
  long len = ftell(c->tmp);
  char *buf = xzalloc((size_t) len + 1);
  rewind(c->tmp);
  if (len > 0)
    assert_int_equal(fread(buf, 1, (size_t) len, c->tmp), (size_t) len);
  fclose(c->tmp);
  return buf;
}

static char *
make_tmpdir(void)
{
  char *dir = xstrdup("/tmp/ctool-test-regconf-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return dir;
}

static void
write_text(const char *dir, const char *name, const char *text)
{
  ctool_error_t err = NULL;
  cleanup_free char *path = xasprintf("%s/%s", dir, name);
  if (write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644, false, &err) < 0)
    fail_msg("%s", err->msg);
}

static void
remove_tree(const char *dir)
{
  ctool_error_t err = NULL;
  assert_int_equal(rm_rf_at(AT_FDCWD, dir, &err), 0);
}

static const char *
alias_of(const struct regconf *c, const char *name)
{
  return regconf_alias(c, name, NULL);
}

/* ---- syntax ---- */

static void
test_man_page_example(void **state)
{
  struct regconf c = parse_ok(
    "unqualified-search-registries = [\"example.com\"]\n"
    "\n"
    "[[registry]]\n"
    "prefix = \"example.com/foo\"\n"
    "insecure = false\n"
    "blocked = false\n"
    "location = \"internal-registry-for-example.com/bar\"\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"example-mirror-0.local/mirror-for-foo\"\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"example-mirror-1.local/mirrors/foo\"\n"
    "insecure = true\n"
    "\n"
    "[[registry]]\n"
    "location = \"registry.com\"\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"mirror.registry.com\"\n");
  assert_int_equal(strv_len(c.search), 1);
  assert_string_equal(c.search[0], "example.com");
  assert_int_equal(c.n_registries, 2);
  const struct regconf_registry *r = &c.registries[0];
  assert_string_equal(r->prefix, "example.com/foo");
  assert_string_equal(r->location, "internal-registry-for-example.com/bar");
  assert_false(r->insecure);
  assert_false(r->blocked);
  assert_int_equal(r->n_mirrors, 2);
  assert_string_equal(r->mirrors[0].location, "example-mirror-0.local/mirror-for-foo");
  assert_false(r->mirrors[0].insecure);
  assert_string_equal(r->mirrors[1].location, "example-mirror-1.local/mirrors/foo");
  assert_true(r->mirrors[1].insecure);
  /* No prefix: the location is the prefix. The mirror belongs to the last registry. */
  assert_string_equal(c.registries[1].prefix, "registry.com");
  assert_string_equal(c.registries[1].location, "registry.com");
  assert_int_equal(c.registries[1].n_mirrors, 1);
  assert_string_equal(c.registries[1].mirrors[0].location, "mirror.registry.com");

  /* The pull of example.com/foo/image:latest tries the mirrors, then the location. */
  struct regconf_source *src;
  size_t n;
  ctool_error_t err = NULL;
  assert_int_equal(regconf_pull_sources(&c, "example.com/foo/image:latest", &src, &n, &err), 0);
  assert_int_equal(n, 3);
  assert_string_equal(src[0].ref, "example-mirror-0.local/mirror-for-foo/image:latest");
  assert_true(src[0].is_mirror);
  assert_string_equal(src[1].ref, "example-mirror-1.local/mirrors/foo/image:latest");
  assert_true(src[1].insecure);
  assert_string_equal(src[2].ref, "internal-registry-for-example.com/bar/image:latest");
  assert_false(src[2].is_mirror);
  assert_false(src[2].insecure);
  regconf_sources_free(src, n);
  /* registry.com/image only reaches its own mirror. */
  assert_int_equal(regconf_pull_sources(&c, "registry.com/image:latest", &src, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(src[0].ref, "mirror.registry.com/image:latest");
  assert_string_equal(src[1].ref, "registry.com/image:latest");
  regconf_sources_free(src, n);
  regconf_clear(&c);
}

static void
test_strings_and_arrays(void **state)
{
  struct regconf c = parse_ok(
    "# comment\r\n"
    "unqualified-search-registries = [ # the list\n"
    "  'quay.io',          # literal string\n"
    "  \"docker.io\",\n"
    "\n"
    "  # a comment line inside the array\n"
    "  \"r\\u00e9g.example\\u002ecom\",\t# escapes: unicode\n"
    "]\n"
    "short-name-mode = 'enforcing' # trailing comment\n"
    "credential-helpers = [\"containers-auth.json\", \"secretservice\"]\n"
    "[aliases]\n"
    "  \"busybox\" = \"docker.io/library/busybox\"\n"
    "  'team/app' = 'quay.io/team/app'\n"
    "  bare_key-1 = \"quay.io/x/y\"\n");
  assert_int_equal(strv_len(c.search), 3);
  assert_string_equal(c.search[0], "quay.io");
  assert_string_equal(c.search[1], "docker.io");
  assert_string_equal(c.search[2], "r\xc3\xa9g.example.com");
  assert_string_equal(c.short_name_mode, "enforcing");
  assert_int_equal(c.n_aliases, 3);
  assert_string_equal(alias_of(&c, "busybox"), "docker.io/library/busybox");
  assert_string_equal(alias_of(&c, "team/app"), "quay.io/team/app");
  assert_string_equal(alias_of(&c, "bare_key-1"), "quay.io/x/y");
  assert_null(alias_of(&c, "nothing"));
  regconf_clear(&c);

  /* Empty arrays and files; escapes of every kind in a value we keep. */
  c = parse_ok("unqualified-search-registries = []");
  assert_non_null(c.search);
  assert_int_equal(strv_len(c.search), 0);
  regconf_clear(&c);
  c = parse_ok("");
  assert_null(c.search);
  regconf_clear(&c);
  c = parse_ok("\xef\xbb\xbf# BOM\n\n   \n\t# indented comment");
  regconf_clear(&c);
  c = parse_ok("[[registry]]\nlocation = \"a\\\\b\\\"c\\td\\ne\\U0001F600\"\n");
  assert_string_equal(c.registries[0].location, "a\\b\"c\td\ne\xf0\x9f\x98\x80");
  regconf_clear(&c);
  /* Literal strings keep backslashes. */
  c = parse_ok("[[registry]]\nlocation = 'C:\\x\\y'\n");
  assert_string_equal(c.registries[0].location, "C:\\x\\y");
  regconf_clear(&c);
}

static void
test_syntax_errors(void **state)
{
  /* Unknown keys before the error would warn: not the point here. */
  ctool_log_level = LOG_LVL_ERROR;
  assert_err("unqualified-search-registries = [\"a\"", "test.conf:1: expected ',' or ']' in the array, found end of file");
  assert_err("x = ", "test.conf:1: expected a value, found end of file");
  assert_err("\n\nkey \"v\"", "test.conf:3: expected '=' after the key, found '\"'");
  assert_err("a = \"unterminated\n",
             "test.conf:1: unterminated string: a basic string ends with \" on the same line");
  assert_err("a = 'x\n", "test.conf:1: unterminated string: a literal string ends with ' on the same line");
  assert_err("a = \"bad \\q escape\"", "test.conf:1: invalid escape \\ followed by 'q' (use \\\\ for a backslash)");
  assert_err("a = \"\\u00\"", "test.conf:1: \\u needs 4 hex digits");
  assert_err("a = \"\\u0000\"", "test.conf:1: \\u0000 (a NUL character) is not allowed in a string");
  assert_err("a = \"\\ud800\"", "test.conf:1: \\ud800 is not a Unicode scalar value");
  assert_err("a = \"\"\"multi\"\"\"",
             "test.conf:1: multi-line strings (\"\"\") are not supported: put the value on one line");
  assert_err("a = 1.5", "test.conf:1: unsupported value: only decimal integers are understood (no floats, dates, "
                        "hex or leading zeros)");
  assert_err("a = 0x10", "test.conf:1: unsupported value: only decimal integers are understood (no floats, dates, "
                         "hex or leading zeros)");
  assert_err("a = 99999999999999999999", "test.conf:1: integer out of range");
  assert_err("a = { b = 1 }",
             "test.conf:1: inline tables ({ ... }) are not supported: use a [table] or [[array]] section");
  assert_err("a = [[1]]", "test.conf:1: nested arrays are not supported");
  assert_err("a = yes", "test.conf:1: expected a value (a \"string\", true, false, an integer or an [array]), found 'y'");
  assert_err("a = truex", "test.conf:1: expected a value (a \"string\", true, false, an integer or an [array]), "
                          "found 't'");
  assert_err("a.b = 1", "test.conf:1: dotted keys (a.b = ...) are not supported: use a [table] section");
  assert_err("a = 1 b = 2", "test.conf:1: expected the end of the line, found 'b'");
  assert_err("= 1", "test.conf:1: expected a key (letters, digits, '_' and '-', or a \"quoted key\"), found '='");
  assert_err("[aliases", "test.conf:1: expected ']' to close the [table] header, found end of file");
  assert_err("[[registry]\nlocation='x'", "test.conf:1: expected ']]' to close the [[table]] header, found ']'");
  assert_err("[]", "test.conf:1: expected a key (letters, digits, '_' and '-', or a \"quoted key\"), found ']'");
  assert_err("[aliases] x", "test.conf:1: expected the end of the line, found 'x'");
  assert_err("a = 1\na = 2", "test.conf:2: key 'a' is set twice in this table");
  assert_err("[aliases]\n\"x\" = \"quay.io/x\"\nx = \"quay.io/y\"", "test.conf:3: key 'x' is set twice in this table");
  assert_err("[aliases]\n[aliases]", "test.conf:2: table [aliases] is defined twice");
  assert_err("[[registry]]\nlocation='a'\n[registry]", "test.conf:3: [[registry]] is an array of tables, it cannot "
                                                      "also be a [table]");
  assert_err("registry = 'x'\n[[registry]]", "test.conf:2: 'registry' is already a key, it cannot also be a table");
  assert_err("a = \"tab\tok\x01\"", "test.conf:1: control character 0x01 in a string (write it as an escape such as "
                                   "\\t in \"...\")");
  assert_err("# fine\n\xff\xfe", "test.conf:2: the file is not valid UTF-8");
  assert_err("a = 1\rb = 2", "test.conf:1: expected the end of the line, found byte 0x0d");
  ctool_log_level = LOG_LVL_WARN;
}

static void
test_semantic_errors(void **state)
{
  assert_err("unqualified-search-registries = 'quay.io'",
             "test.conf:1: 'unqualified-search-registries' must be an array of strings, not a string");
  assert_err("unqualified-search-registries = ['quay.io', 1]",
             "test.conf:1: 'unqualified-search-registries' must be an array of strings");
  assert_err("unqualified-search-registries = ['https://quay.io']",
             "test.conf:1: invalid search registry 'https://quay.io': leave out the URL scheme (http:// or https://); "
             "use insecure = true for plain HTTP");
  assert_err("short-name-mode = 'sometimes'",
             "test.conf:1: invalid short-name-mode 'sometimes': use enforcing, permissive or disabled");
  assert_err("[[registry]]\ninsecure = 'yes'", "test.conf:2: 'insecure' must be a boolean, not a string");
  assert_err("[[registry]]\ninsecure = true", "test.conf:1: [[registry]] needs a location or a prefix");
  assert_err("[[registry]]\nlocation = 'http://x.example.com'",
             "test.conf:1: invalid location 'http://x.example.com': leave out the URL scheme (http:// or https://); "
             "use insecure = true for plain HTTP");
  assert_err("[[registry]]\nprefix = '*.example.com/foo'",
             "test.conf:1: invalid prefix '*.example.com/foo': a wildcard prefix is '*.' and a host name, such as "
             "*.example.com (no port, path, tag or digest)");
  assert_err("[[registry]]\nprefix = 'example.*.com'",
             "test.conf:1: invalid prefix 'example.*.com': '*' is only allowed at the start, as in *.example.com");
  assert_err("[registry]\nlocation='x'", "test.conf:1: write [[registry]] (an array of tables), not [registry]");
  assert_err("[[registry.mirror]]\nlocation='x'",
             "test.conf:1: [[registry.mirror]] must follow the [[registry]] it belongs to");
  assert_err("[[registry]]\nlocation='x'\n[[registry.mirror]]\ninsecure=true\n[[registry]]\nlocation='y'",
             "test.conf:3: [[registry.mirror]] needs a location");
  assert_err("[[registry]]\nlocation='x'\nmirror-by-digest-only=true\n[[registry.mirror]]\nlocation='m'\n"
             "pull-from-mirror='tag-only'",
             "test.conf:4: pull-from-mirror cannot be used when its [[registry]] sets mirror-by-digest-only: use one "
             "or the other");
  assert_err("[[registry]]\nlocation='x'\n[[registry.mirror]]\nlocation='m'\npull-from-mirror='never'",
             "test.conf:5: invalid pull-from-mirror 'never': use all, digest-only or tag-only");
  assert_err("[aliases]\n\"quay.io/x\" = \"quay.io/x\"",
             "test.conf:2: alias 'quay.io/x' must be a short name, without a registry");
  assert_err("[aliases]\n\"localhost/x\" = \"quay.io/x\"",
             "test.conf:2: alias 'localhost/x' must be a short name, without a registry");
  assert_err("[aliases]\n\"x:1\" = \"quay.io/x\"", "test.conf:2: alias 'x:1' must not have a tag or digest");
  assert_err("[aliases]\n\"x\" = \"x\"",
             "test.conf:2: alias 'x' = 'x' must name the registry, e.g. docker.io/library/x");
  assert_err("[aliases]\n\"x\" = \"quay.io/x:1\"", "test.conf:2: alias 'x' = 'quay.io/x:1' must not have a tag or "
                                                  "digest");
  assert_err("[aliases]\n\"X\" = \"quay.io/x\"",
             "test.conf:2: alias: invalid reference 'X': repository name must be lowercase");
  assert_err("[aliases]\nx = true", "test.conf:2: alias 'x' must be a string such as \"docker.io/library/x\", not a "
                                   "boolean");
}

static void
test_warnings(void **state)
{
  struct captured cap = capture_stderr();
  struct regconf c = parse_ok(
    "unqualified-search-registries = ['quay.io']\n"
    "color = 'blue'\n"
    "[registries.search]\n"
    "registries = ['docker.io']\n"
    "[[registry]]\n"
    "location = 'a.example.com'\n"
    "unqualified-search-registries = ['x']\n"
    "[[registry.mirror]]\n"
    "location = 'm.example.com'\n"
    "weight = 3\n"
    "[engine]\n"
    "cgroup_manager = 'systemd'\n"
    "[[registry]]\n"
    "location = 'a.example.com'\n"
    "insecure = true\n");
  char *out = release_stderr(&cap);
  assert_non_null(strstr(out, "ctool: warning: test.conf:2: unknown key 'color' in the top level, ignored\n"));
  assert_non_null(strstr(out, "ctool: warning: test.conf:3: [registries.search] is the deprecated version 1 format"));
  assert_null(strstr(out, "'registries'"));
  assert_non_null(strstr(out, "ctool: warning: test.conf:7: unknown key 'unqualified-search-registries' in "
                              "[[registry]], ignored (top-level keys must come before the first [table])\n"));
  assert_non_null(strstr(out, "test.conf:10: unknown key 'weight' in [[registry.mirror]], ignored\n"));
  assert_non_null(strstr(out, "test.conf:11: unknown table [engine], ignored\n"));
  assert_null(strstr(out, "cgroup_manager"));
  assert_non_null(strstr(out, "test.conf:13: [[registry]] prefix 'a.example.com' is defined again; this entry "
                              "replaces the one at line 5\n"));
  free(out);
  /* The v1 table changed nothing; the later registry replaced the earlier one. */
  assert_int_equal(strv_len(c.search), 1);
  assert_string_equal(c.search[0], "quay.io");
  assert_int_equal(c.n_registries, 1);
  assert_true(c.registries[0].insecure);
  assert_int_equal(c.registries[0].n_mirrors, 0);
  regconf_clear(&c);
}

/* ---- the files on this machine (read only) ---- */

static void
test_system_files(void **state)
{
  if (access("/etc/containers/registries.conf", R_OK) != 0)
    skip();
  struct regconf c;
  ctool_error_t err = NULL;
  const char *dirs[] = { "/etc/containers/registries.conf.d", NULL };
  if (regconf_load_files(&c, "/etc/containers/registries.conf", dirs, &err) < 0)
    fail_msg("%s", err->msg);
  /* Debian's shortnames.conf (golang-github-containers-common). */
  if (access("/etc/containers/registries.conf.d/shortnames.conf", R_OK) == 0)
    {
      assert_true(c.n_aliases > 20);
      const char *origin = NULL;
      assert_string_equal(regconf_alias(&c, "fedora", &origin), "registry.fedoraproject.org/fedora");
      assert_string_equal(origin, "/etc/containers/registries.conf.d/shortnames.conf");
      assert_string_equal(alias_of(&c, "alpine"), "docker.io/library/alpine");
      char **cands = regconf_short_name_candidates(&c, "alpine:3.19");
      assert_int_equal(strv_len(cands), 1);
      assert_string_equal(cands[0], "docker.io/library/alpine:3.19");
      strv_free(cands);
    }
  regconf_clear(&c);
}

static void
test_debian_default_text(void **state)
{
  /* Debian's registries.conf is all comments, including a broken example
   * line (location = internal-registry...") that must stay a comment. */
  struct regconf c = parse_ok(
    "# For more information on this configuration file, see containers-registries.conf(5).\n"
    "#\n"
    "# # An array of host[:port] registries to try when pulling an unqualified image, in order.\n"
    "# unqualified-search-registries = [\"example.com\"]\n"
    "#\n"
    "# [[registry]]\n"
    "# # The \"prefix\" field is used to choose the relevant [[registry]] TOML table;\n"
    "# prefix = \"example.com/foo\"\n"
    "# location = internal-registry-for-example.com/bar\"\n"
    "# [[registry.mirror]]\n"
    "# location = \"example-mirror-0.local/mirror-for-foo\"\n");
  assert_null(c.search);
  assert_int_equal(c.n_registries, 0);
  regconf_clear(&c);
}

/* ---- drop-ins and the places files are read from ---- */

static void
test_dropins_merge(void **state)
{
  cleanup_free char *dir = make_tmpdir();
  cleanup_free char *d1 = xasprintf("%s/sys.d", dir);
  cleanup_free char *d2 = xasprintf("%s/user.d", dir);
  cleanup_free char *main_file = xasprintf("%s/registries.conf", dir);
  assert_int_equal(mkdir(d1, 0755), 0);
  assert_int_equal(mkdir(d2, 0755), 0);
  write_text(dir, "registries.conf",
             "unqualified-search-registries = ['a.example.com', 'b.example.com']\n"
             "short-name-mode = 'enforcing'\n"
             "[aliases]\n"
             "one = 'quay.io/one/one'\n"
             "two = 'quay.io/two/two'\n"
             "[[registry]]\n"
             "prefix = 'quay.io/ns'\n"
             "location = 'main.example.com/ns'\n"
             "[[registry.mirror]]\n"
             "location = 'mirror.example.com/ns'\n"
             "[[registry]]\n"
             "location = 'keep.example.com'\n"
             "blocked = true\n");
  /* 10 before 20, and 20-x.conf after 10-y.conf whatever readdir says. */
  write_text(d1, "20-search.conf", "unqualified-search-registries = ['c.example.com']\n");
  write_text(d1, "10-registry.conf",
             "[[registry]]\n"
             "prefix = 'quay.io/ns'\n"
             "location = 'dropin.example.com/ns'\n"
             "insecure = true\n");
  write_text(d1, "30-aliases.conf", "[aliases]\none = ''\ntwo = 'quay.io/second/two'\nthree = 'quay.io/three/x'\n");
  write_text(d1, "ignored.txt", "this is not toml");
  write_text(d1, "broken.conf.bak", "this is not toml");
  cleanup_free char *sub = xasprintf("%s/sub.conf", d1);
  assert_int_equal(mkdir(sub, 0755), 0);
  write_text(d2, "50-user.conf", "short-name-mode = 'disabled'\nunqualified-search-registries = []\n");

  struct regconf c;
  ctool_error_t err = NULL;
  const char *dirs[] = { d1, d2, "/nonexistent/dir", NULL };
  if (regconf_load_files(&c, main_file, dirs, &err) < 0)
    fail_msg("%s", err->msg);
  /* The user's empty list overrides every earlier list. */
  assert_non_null(c.search);
  assert_int_equal(strv_len(c.search), 0);
  assert_string_equal(c.short_name_mode, "disabled");
  /* Same prefix: the drop-in's whole entry replaces the main file's (mirrors too). */
  assert_int_equal(c.n_registries, 2);
  const struct regconf_registry *r = regconf_find(&c, "quay.io/ns/app:1");
  assert_non_null(r);
  assert_string_equal(r->location, "dropin.example.com/ns");
  assert_true(r->insecure);
  assert_int_equal(r->n_mirrors, 0);
  r = regconf_find(&c, "keep.example.com/x");
  assert_non_null(r);
  assert_true(r->blocked);
  /* Aliases: "" erases, a new value replaces, new names are added. */
  assert_null(alias_of(&c, "one"));
  const char *origin;
  assert_string_equal(regconf_alias(&c, "two", &origin), "quay.io/second/two");
  assert_true(str_has_suffix(origin, "/sys.d/30-aliases.conf"));
  assert_string_equal(alias_of(&c, "three"), "quay.io/three/x");
  regconf_clear(&c);

  /* Without the user drop-in, the last system drop-in's search list holds. */
  const char *only_sys[] = { d1, NULL };
  assert_int_equal(regconf_load_files(&c, main_file, only_sys, &err), 0);
  assert_int_equal(strv_len(c.search), 1);
  assert_string_equal(c.search[0], "c.example.com");
  assert_string_equal(c.short_name_mode, "enforcing");
  regconf_clear(&c);

  /* A bad drop-in is an error naming it, and nothing is returned. */
  write_text(d2, "60-bad.conf", "\n[[registry]\n");
  assert_int_equal(regconf_load_files(&c, main_file, dirs, &err), -1);
  cleanup_free char *want = xasprintf("%s/60-bad.conf:2: expected ']]' to close the [[table]] header, found ']'", d2);
  assert_string_equal(err->msg, want);
  ctool_error_free(&err);
  assert_int_equal(c.n_registries, 0);
  assert_null(c.search);

  /* A missing main file is no error. */
  cleanup_free char *missing = xasprintf("%s/none.conf", dir);
  assert_int_equal(regconf_load_files(&c, missing, NULL, &err), 0);
  assert_null(c.search);
  regconf_clear(&c);
  /* A file full of NULs is refused. */
  cleanup_free char *nul_file = xasprintf("%s/nul.conf", dir);
  assert_int_equal(write_file_atomic_at(AT_FDCWD, nul_file, "a = 1\n\0\0", 8, 0644, false, &err), 0);
  assert_int_equal(regconf_load_files(&c, nul_file, NULL, &err), -1);
  assert_non_null(strstr(err->msg, "contains a NUL byte"));
  ctool_error_free(&err);
  remove_tree(dir);
}

static void
test_load_locations(void **state)
{
  cleanup_free char *dir = make_tmpdir();
  cleanup_free char *user = xasprintf("%s/containers", dir);
  cleanup_free char *user_d = xasprintf("%s/containers/registries.conf.d", dir);
  assert_int_equal(mkdir(user, 0755), 0);
  assert_int_equal(mkdir(user_d, 0755), 0);
  write_text(user, "registries.conf", "unqualified-search-registries = ['user.example.com']\n");
  write_text(user_d, "a.conf", "[aliases]\nmine = 'user.example.com/mine'\n");
  cleanup_free char *only = xasprintf("%s/only.conf", dir);
  write_text(dir, "only.conf", "unqualified-search-registries = ['only.example.com']\n");

  setenv("XDG_CONFIG_HOME", dir, 1);
  unsetenv("CONTAINERS_REGISTRIES_CONF");
  struct regconf c;
  ctool_error_t err = NULL;

  /* CTOOL_REGISTRIES_CONF: that file and nothing else. */
  setenv("CTOOL_REGISTRIES_CONF", only, 1);
  assert_int_equal(regconf_load(&c, &err), 0);
  assert_string_equal(c.search[0], "only.example.com");
  assert_int_equal(c.n_aliases, 0);
  regconf_clear(&c);
  unsetenv("CTOOL_REGISTRIES_CONF");

  /* A user registries.conf replaces the system file and its drop-ins;
   * the user's drop-ins still apply. */
  assert_int_equal(regconf_load(&c, &err), 0);
  assert_int_equal(strv_len(c.search), 1);
  assert_string_equal(c.search[0], "user.example.com");
  assert_int_equal(c.n_aliases, 1);
  assert_string_equal(alias_of(&c, "mine"), "user.example.com/mine");
  assert_null(alias_of(&c, "fedora"));
  regconf_clear(&c);

  /* Without it: the system file, the system drop-ins, then the user's. */
  cleanup_free char *user_file = xasprintf("%s/registries.conf", user);
  assert_int_equal(unlink(user_file), 0);
  assert_int_equal(regconf_load(&c, &err), 0);
  assert_string_equal(alias_of(&c, "mine"), "user.example.com/mine");
  if (access("/etc/containers/registries.conf.d/shortnames.conf", R_OK) == 0)
    assert_non_null(alias_of(&c, "fedora"));
  regconf_clear(&c);

  /* CONTAINERS_REGISTRIES_CONF (Podman's) replaces the main file only. */
  setenv("CONTAINERS_REGISTRIES_CONF", only, 1);
  assert_int_equal(regconf_load(&c, &err), 0);
  assert_string_equal(c.search[0], "only.example.com");
  assert_string_equal(alias_of(&c, "mine"), "user.example.com/mine");
  regconf_clear(&c);
  unsetenv("CONTAINERS_REGISTRIES_CONF");
  unsetenv("XDG_CONFIG_HOME");
  remove_tree(dir);
}

/* ---- questions ---- */

static void
test_find_longest_prefix(void **state)
{
  struct regconf c = parse_ok(
    "[[registry]]\nlocation = 'example.com'\n"
    "[[registry]]\nlocation = 'example.com/foo'\n"
    "[[registry]]\nlocation = 'example.com/foo/bar'\n"
    "[[registry]]\nlocation = 'example.com:5000'\n"
    "[[registry]]\nprefix = '*.example.com'\n"
    "[[registry]]\nprefix = '*.sub.example.com'\n"
    "[[registry]]\nlocation = 'exact.sub.example.com'\n"
    "[[registry]]\nlocation = 'docker.io/library/busybox'\n");
  struct {
    const char *ref;
    const char *prefix; /* NULL: none */
  } cases[] = {
    { "example.com/x", "example.com" },
    { "example.com/foo", "example.com/foo" },
    { "example.com/foo:1", "example.com/foo" },
    { "example.com/foo@sha256:abc", "example.com/foo" },
    { "example.com/foo/x:1", "example.com/foo" },
    { "example.com/foobar", "example.com" },
    { "example.com/foo/bar/baz", "example.com/foo/bar" },
    { "example.com/foo/barbaz", "example.com/foo" },
    { "example.com:5000/x", "example.com:5000" },
    { "example.com:5001/x", NULL },
    { "a.example.com/x", "*.example.com" },
    { "a.b.example.com:443/x", "*.example.com" },
    { "a.sub.example.com/x", "*.sub.example.com" },
    { "sub.example.com/x", "*.example.com" },
    { "exact.sub.example.com/x", "exact.sub.example.com" },
    { "notexample.com/x", NULL },
    { "example.com.evil.org/x", NULL },
    { "docker.io/library/busybox:latest", "docker.io/library/busybox" },
    { "docker.io/library/busybox2", NULL },
    { "docker.io/user/busybox", NULL },
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    {
      const struct regconf_registry *r = regconf_find(&c, cases[i].ref);
      if (cases[i].prefix == NULL && r != NULL)
        fail_msg("%s matched %s", cases[i].ref, r->prefix);
      if (cases[i].prefix && (r == NULL || strcmp(r->prefix, cases[i].prefix) != 0))
        fail_msg("%s matched %s, not %s", cases[i].ref, r ? r->prefix : "nothing", cases[i].prefix);
    }
  regconf_clear(&c);
  struct regconf empty = { 0 };
  assert_null(regconf_find(&empty, "quay.io/x"));
}

static void
test_short_name_candidates(void **state)
{
  struct regconf c = parse_ok(
    "unqualified-search-registries = ['quay.io', 'docker.io', 'localhost:5000']\n"
    "[aliases]\n"
    "\"busybox\" = \"docker.io/library/busybox\"\n"
    "\"team/app\" = \"registry.example.com/team/app\"\n");
  struct {
    const char *in;
    const char *want[4];
  } cases[] = {
    { "busybox", { "docker.io/library/busybox:latest" } },
    { "busybox:1.36", { "docker.io/library/busybox:1.36" } },
    { "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      { "docker.io/library/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" } },
    { "team/app:2", { "registry.example.com/team/app:2" } },
    { "alpine", { "quay.io/alpine:latest", "docker.io/library/alpine:latest", "localhost:5000/alpine:latest" } },
    { "user/tool:v1", { "quay.io/user/tool:v1", "docker.io/user/tool:v1", "localhost:5000/user/tool:v1" } },
    /* Not short: itself, normalized. */
    { "quay.io/x/y", { "quay.io/x/y:latest" } },
    { "docker.io/busybox", { "docker.io/library/busybox:latest" } },
    /* Invalid: nothing. */
    { "Bad:", { NULL } },
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    {
      char **got = regconf_short_name_candidates(&c, cases[i].in);
      size_t n = 0;
      while (cases[i].want[n])
        n++;
      if (strv_len(got) != n)
        fail_msg("%s: %zu candidates, want %zu", cases[i].in, strv_len(got), n);
      for (size_t j = 0; j < n; j++)
        assert_string_equal(got[j], cases[i].want[j]);
      strv_free(got);
    }
  regconf_clear(&c);

  /* No search registries, no alias: no candidates (but a valid empty list). */
  struct regconf empty = { 0 };
  char **got = regconf_short_name_candidates(&empty, "busybox");
  assert_non_null(got);
  assert_null(got[0]);
  strv_free(got);
}

static void
test_pull_sources(void **state)
{
  struct regconf c = parse_ok(
    "[[registry]]\n"
    "prefix = 'docker.io/library'\n"
    "location = 'docker.io/library'\n"
    "mirror-by-digest-only = true\n"
    "[[registry.mirror]]\n"
    "location = 'digest-mirror.local:5000/hub'\n"
    "insecure = true\n"
    "[[registry]]\n"
    "prefix = '*.corp.example'\n"
    "insecure = true\n"
    "[[registry.mirror]]\n"
    "location = 'cache.local/corp'\n"
    "pull-from-mirror = 'tag-only'\n"
    "[[registry]]\n"
    "location = 'evil.example.com'\n"
    "blocked = true\n"
    "[[registry]]\n"
    "prefix = 'example.com/foo'\n"
    "location = 'docker.io'\n");
  struct regconf_source *src;
  size_t n;
  ctool_error_t err = NULL;
  const char *digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  /* By tag: the digest-only mirror is skipped. */
  assert_int_equal(regconf_pull_sources(&c, "docker.io/library/busybox:latest", &src, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(src[0].ref, "docker.io/library/busybox:latest");
  assert_false(src[0].insecure);
  regconf_sources_free(src, n);
  /* By digest: mirror first. */
  cleanup_free char *by_digest = xasprintf("docker.io/library/busybox%s", digest);
  assert_int_equal(regconf_pull_sources(&c, by_digest, &src, &n, &err), 0);
  assert_int_equal(n, 2);
  cleanup_free char *want = xasprintf("digest-mirror.local:5000/hub/busybox%s", digest);
  assert_string_equal(src[0].ref, want);
  assert_true(src[0].insecure);
  assert_true(src[0].is_mirror);
  assert_string_equal(src[1].ref, by_digest);
  regconf_sources_free(src, n);

  /* Wildcard without location: the reference itself, insecure; a tag-only mirror. */
  assert_int_equal(regconf_pull_sources(&c, "git.corp.example/team/app:1", &src, &n, &err), 0);
  assert_int_equal(n, 2);
  assert_string_equal(src[0].ref, "cache.local/corp/team/app:1");
  assert_false(src[0].insecure);
  assert_string_equal(src[1].ref, "git.corp.example/team/app:1");
  assert_true(src[1].insecure);
  regconf_sources_free(src, n);
  cleanup_free char *corp_digest = xasprintf("git.corp.example/team/app%s", digest);
  assert_int_equal(regconf_pull_sources(&c, corp_digest, &src, &n, &err), 0);
  assert_int_equal(n, 1);
  regconf_sources_free(src, n);

  /* Rewriting to docker.io normalizes the result. */
  assert_int_equal(regconf_pull_sources(&c, "example.com/foo/app:1", &src, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(src[0].ref, "docker.io/library/app:1");
  regconf_sources_free(src, n);

  /* Unmatched: as is. */
  assert_int_equal(regconf_pull_sources(&c, "quay.io/x/y:1", &src, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(src[0].ref, "quay.io/x/y:1");
  regconf_sources_free(src, n);

  /* Blocked. */
  assert_int_equal(regconf_pull_sources(&c, "evil.example.com/x:1", &src, &n, &err), -1);
  assert_string_equal(err->msg, "pulling evil.example.com/x:1 is blocked by registries.conf ([[registry]] prefix "
                                "'evil.example.com' has blocked = true)");
  assert_null(src);
  assert_int_equal(n, 0);
  ctool_error_free(&err);
  regconf_clear(&c);
}

static void
test_hostile_text(void **state)
{
  /* Long lines, deep junk, many tables: errors or results, never a crash. */
  size_t big = 1 << 20;
  char *text = xmalloc(big + 1);
  memset(text, '[', big);
  text[big] = '\0';
  free(parse_err(text));
  memset(text, 'a', big);
  free(parse_err(text));
  memcpy(text, "a = \"", 5);
  free(parse_err(text));
  memcpy(text, "a = [", 5);
  memset(text + 5, ',', big - 5);
  free(parse_err(text));
  free(text);

  /* Many registries with many mirrors. */
  char *many = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&many, &len);
  for (int i = 0; i < 500; i++)
    fprintf(f, "[[registry]]\nlocation = 'r%d.example.com'\n[[registry.mirror]]\nlocation = 'm%d.example.com'\n", i, i);
  fclose(f);
  struct regconf c = parse_ok(many);
  assert_int_equal(c.n_registries, 500);
  assert_string_equal(regconf_find(&c, "r499.example.com/x")->mirrors[0].location, "m499.example.com");
  regconf_clear(&c);
  free(many);
}

/* Found by fuzzing (tests/fuzz/fuzz-regconf.c): a dotted table name was
 * shown with the reader's internal separator (a control character) for
 * its dots, and values written with escapes went into messages as control
 * characters. Errors are one printable line. */
static void
test_errors_printable(void **state)
{
  ctool_log_level = LOG_LVL_ERROR;
  assert_err("[registries.search]\n[registries.search]", "test.conf:2: table [registries.search] is defined twice");
  assert_err("[[a.b]]\n[a.b]", "test.conf:2: [[a.b]] is an array of tables, it cannot also be a [table]");
  assert_err("[a.b]\n[[a.b]]", "test.conf:2: [a.b] is a table, it cannot also be an array of tables");
  assert_err("short-name-mode = \"\\u001b[31m\\r\"",
             "test.conf:1: invalid short-name-mode '\\x1b[31m\\x0d': use enforcing, permissive or disabled");
  ctool_log_level = LOG_LVL_WARN;
}

/* Each line of OUT printable ASCII, COUNT lines in all. */
static void
assert_printable_lines(const char *out, size_t count)
{
  size_t lines = 0;
  for (const unsigned char *p = (const unsigned char *) out; *p; p++)
    {
      if (*p == '\n')
        lines++;
      else if (*p < 0x20 || *p >= 0x7f)
        fail_msg("byte 0x%02x in %s", *p, out);
    }
  if (lines != count)
    fail_msg("%zu lines, not %zu: %s", lines, count, out);
}

/* TOML refuses C0 controls in names, but C1 ones (NEL U+0085, CSI
 * U+009B) arrive as UTF-8 through escapes: a warning repeats them
 * escaped, on one line. */
static void
test_warnings_printable(void **state)
{
  struct captured cap = capture_stderr();
  struct regconf c = parse_ok("\"col\\u0085or\\u009b31m\" = 1\n"
                              "[\"eng\\u009b2Jine\"]\n"
                              "[[registry]]\n"
                              "prefix = 'a.example.com'\n"
                              "location = 'a.example.com'\n"
                              "[[registry]]\n"
                              "prefix = 'a.example.com'\n"
                              "location = 'b.example.com'\n");
  char *out = release_stderr(&cap);
  assert_printable_lines(out, 3);
  assert_non_null(strstr(out, "ctool: warning: test.conf:1: unknown key 'col\\xc2\\x85or\\xc2\\x9b31m' in the top "
                              "level, ignored\n"));
  assert_non_null(strstr(out, "ctool: warning: test.conf:2: unknown table [eng\\xc2\\x9b2Jine], ignored\n"));
  free(out);
  regconf_clear(&c);
  /* Text in UTF-8 stays as written. */
  cap = capture_stderr();
  c = parse_ok("\"caf\\u00e9\" = 1\n");
  out = release_stderr(&cap);
  assert_string_equal(out, "ctool: warning: test.conf:1: unknown key 'caf\xc3\xa9' in the top level, ignored\n");
  free(out);
  regconf_clear(&c);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_man_page_example),
    cmocka_unit_test(test_strings_and_arrays),
    cmocka_unit_test(test_syntax_errors),
    cmocka_unit_test(test_semantic_errors),
    cmocka_unit_test(test_warnings),
    cmocka_unit_test(test_warnings_printable),
    cmocka_unit_test(test_system_files),
    cmocka_unit_test(test_debian_default_text),
    cmocka_unit_test(test_dropins_merge),
    cmocka_unit_test(test_load_locations),
    cmocka_unit_test(test_find_longest_prefix),
    cmocka_unit_test(test_short_name_candidates),
    cmocka_unit_test(test_pull_sources),
    cmocka_unit_test(test_hostile_text),
    cmocka_unit_test(test_errors_printable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
