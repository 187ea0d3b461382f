/* Unit tests of the Go-template engine and format_output's rendering.
 * Expected outputs are what Go's text/template (and Podman's functions)
 * print for the same template and data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "format.h"
#include "tabwriter.h"
#include "template.h"
#include "util.h"

static const char *const ctr_json =
  "{ \"Id\": \"4e2a1b7c9d0f\", \"Name\": \"web\", \"Created\": 1700000000,"
  "  \"State\": { \"Status\": \"running\", \"Running\": true, \"Pid\": 4242, \"ExitCode\": 0, \"Health\": null },"
  "  \"Config\": { \"Env\": [ \"PATH=/usr/bin\", \"TERM=xterm\" ], \"Labels\": { \"b\": \"2\", \"a\": \"1\" },"
  "              \"Cmd\": [ \"sh\", \"-c\", \"echo hi\" ], \"Tty\": false, \"Empty\": [] },"
  "  \"Mounts\": [ { \"Source\": \"/src\", \"Destination\": \"/dst\" }, { \"Source\": \"/a\", \"Destination\": \"/b\" } ],"
  "  \"Ratio\": 0.25, \"Big\": 1e21, \"Whole\": 3.0, \"Neg\": -7, \"Text\": \"Hello World\" }";

/* Render FORMAT on the JSON text DATA; on failure, "ERR: message". */
static char *
render_list(const char *format, const char *data, bool is_list)
{
  static char result[8192];
  json_object *j = json_tokener_parse(data);
  assert_non_null(j);
  ctool_error_t err = NULL;
  char *out = NULL;
  if (format_render(format, j, is_list, NULL, &out, &err) < 0)
    {
      snprintf(result, sizeof result, "ERR: %s", err->msg);
      ctool_error_free(&err);
    }
  else
    {
      snprintf(result, sizeof result, "%s", out);
      free(out);
    }
  json_object_put(j);
  return result;
}

static char *
render(const char *format)
{
  return render_list(format, ctr_json, false);
}

#define assert_render(fmt, expected) assert_string_equal(render(fmt), expected)

static void
test_fields(void **state)
{
  assert_render("{{.Name}}", "web\n");
  assert_render("{{.State.Pid}}", "4242\n");
  assert_render("{{ .State.Status }}", "running\n");
  assert_render("{{.State.Running}}", "true\n");
  assert_render("pid={{.State.Pid}} name={{.Name}}", "pid=4242 name=web\n");
  assert_render("{{/* only text */}}text", "text\n");
  /* Without any action it is a typo, not a template. */
  assert_string_equal(render("yaml"), "ERR: unknown --format 'yaml': use json or a Go template such as '{{json .}}'");
  assert_string_equal(render(""), "ERR: unknown --format '': use json or a Go template such as '{{json .}}'");
  assert_render("{{.Name}}\n", "web\n");
}

static void
test_value_printing(void **state)
{
  /* Go's %v: arrays [a b], maps map[k:v] sorted, structs {values}. */
  assert_render("{{.Config.Env}}", "[PATH=/usr/bin TERM=xterm]\n");
  assert_render("{{.Config.Labels}}", "map[a:1 b:2]\n");
  assert_render("{{.Mounts}}", "[{/src /dst} {/a /b}]\n");
  assert_render("{{.Config.Empty}}", "[]\n");
  assert_render("{{.State.Health}}", "<no value>\n");
  assert_render("{{.Ratio}} {{.Big}} {{.Whole}} {{.Neg}}", "0.25 1e+21 3 -7\n");
}

static void
test_unknown_field(void **state)
{
  char *out = render("{{.Foo}}");
  assert_non_null(strstr(out, "ERR: template: 1:3: executing at <.Foo>: can't evaluate field Foo in type struct"));
  assert_non_null(strstr(out, "(it has: Id, Name, Created, State,"));
  out = render("{{.State.Pidd}}");
  assert_non_null(strstr(out, "can't evaluate field Pidd in type State (it has: Status, Running, Pid, ExitCode, Health)"));
  out = render("{{.Name.First}}");
  assert_string_equal(out, "ERR: template: 1:3: executing at <.Name.First>: can't evaluate field First in type string");
  /* Maps (Labels) give <no value> for a missing key, as in Go. */
  assert_render("{{.Config.Labels.c}}", "<no value>\n");
  assert_render("{{.State.Health.Status}}", "<no value>\n");
}

static void
test_json(void **state)
{
  assert_render("{{json .Config.Env}}", "[\"PATH=/usr/bin\",\"TERM=xterm\"]\n");
  assert_render("{{json .State.Pid}}", "4242\n");
  assert_render("{{json .Name}}", "\"web\"\n");
  assert_render("{{json .Config.Labels}}", "{\"b\":\"2\",\"a\":\"1\"}\n");
  assert_render("{{json .State.Health}}", "null\n");
  assert_render("{{json .Mounts}}", "[{\"Source\":\"/src\",\"Destination\":\"/dst\"},{\"Source\":\"/a\",\"Destination\":\"/b\"}]\n");
}

static void
test_range(void **state)
{
  assert_render("{{range .Config.Env}}{{.}};{{end}}", "PATH=/usr/bin;TERM=xterm;\n");
  assert_render("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", "/src:/dst /a:/b \n");
  assert_render("{{range $i, $e := .Config.Cmd}}{{$i}}={{$e}} {{end}}", "0=sh 1=-c 2=echo hi \n");
  assert_render("{{range $e := .Config.Cmd}}[{{$e}}]{{end}}", "[sh][-c][echo hi]\n");
  assert_render("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}},{{end}}", "a=1,b=2,\n");
  assert_render("{{range .Config.Empty}}x{{else}}none{{end}}", "none\n");
  assert_render("{{range .State.Health}}x{{else}}nil{{end}}", "nil\n");
  assert_render("{{range .Config.Cmd}}{{if eq . \"-c\"}}{{continue}}{{end}}{{.}} {{end}}", "sh echo hi \n");
  assert_render("{{range .Config.Cmd}}{{if eq . \"-c\"}}{{break}}{{end}}{{.}} {{end}}", "sh \n");
  assert_render("{{range .Mounts}}{{$.Name}} {{end}}", "web web \n");
  assert_render("{{range 3}}{{.}}{{end}}", "012\n");
  assert_string_equal(render("{{range .Name}}x{{end}}"), "ERR: template: 1:3: range can't iterate over string");
}

static void
test_if_with(void **state)
{
  assert_render("{{if .State.Running}}up{{else}}down{{end}}", "up\n");
  assert_render("{{if .Config.Tty}}tty{{else}}no tty{{end}}", "no tty\n");
  assert_render("{{if .Config.Empty}}x{{else if .State.Pid}}pid{{else}}y{{end}}", "pid\n");
  assert_render("{{if not .Config.Tty}}!tty{{end}}", "!tty\n");
  assert_render("{{if and .State.Running .State.Pid}}both{{end}}", "both\n");
  assert_render("{{if or .Config.Tty .Config.Empty}}x{{else}}neither{{end}}", "neither\n");
  assert_render("{{or .Config.Empty .Name}}", "web\n");
  assert_render("{{and .Name .State.ExitCode}}", "0\n");
  assert_render("{{with .State}}{{.Status}}/{{.Pid}}{{end}}", "running/4242\n");
  assert_render("{{with .State.Health}}{{.Status}}{{else}}no health{{end}}", "no health\n");
  assert_render("{{with $s := .State}}{{$s.Pid}}{{end}}", "4242\n");
}

static void
test_index_len(void **state)
{
  assert_render("{{index .Config.Labels \"a\"}}", "1\n");
  assert_render("{{index .Config.Labels \"zz\"}}", "<no value>\n");
  assert_render("{{index .Config.Cmd 2}}", "echo hi\n");
  assert_render("{{(index .Mounts 1).Source}}", "/a\n");
  assert_render("{{index .Mounts 0 \"Destination\"}}", "/dst\n");
  assert_string_equal(render("{{index .Config.Cmd 7}}"),
                      "ERR: template: 1:3: executing at <index>: error calling index: index out of range: 7");
  assert_render("{{len .Config.Env}} {{len .Name}} {{len .Config.Labels}}", "2 3 2\n");
}

static void
test_strings_and_pipes(void **state)
{
  assert_render("{{lower .Text}}|{{upper .Text}}", "hello world|HELLO WORLD\n");
  assert_render("{{.Text | lower}}", "hello world\n");
  assert_render("{{.Text | upper | lower}}", "hello world\n");
  assert_render("{{title \"hello big world\"}}", "Hello Big World\n");
  assert_render("{{join .Config.Cmd \",\"}}", "sh,-c,echo hi\n");
  assert_render("{{split \"a:b:c\" \":\"}}", "[a b c]\n");
  assert_render("{{index (split \"a:b:c\" \":\") 1}}", "b\n");
  assert_render("{{truncate .Id 4}}", "4e2a\n");
  assert_render("[{{pad .Name 2 1}}]", "[  web ]\n");
  assert_render("{{\"\\t\"}}|{{\"a\\nb\"}}|{{`raw\\t`}}", "\t|a\nb|raw\\t\n");
  assert_render("{{'a'}}", "97\n");
  assert_string_equal(render("{{lower .State.Pid}}"),
                      "ERR: template: 1:3: executing at <lower>: error calling lower: wrong type for value in lower; expected string; got int");
}

static void
test_printf(void **state)
{
  assert_render("{{printf \"%s-%d\" .Name .State.Pid}}", "web-4242\n");
  assert_render("{{printf \"%-6s|%6s|\" .Name .Name}}", "web   |   web|\n");
  assert_render("{{printf \"%05d|%x|%X|%o|%b\" 42 255 255 8 5}}", "00042|ff|FF|10|101\n");
  assert_render("{{printf \"%.2f|%e|%g\" .Ratio .Ratio .Ratio}}", "0.25|2.500000e-01|0.25\n");
  assert_render("{{printf \"%q\" .Name}}", "\"web\"\n");
  assert_render("{{printf \"%v %v\" .Config.Env .State.Running}}", "[PATH=/usr/bin TERM=xterm] true\n");
  assert_render("{{printf \"%t\" .State.Running}}", "true\n");
  assert_render("{{printf \"%.3s\" .Text}}", "Hel\n");
  assert_render("{{printf \"%d\" .Name}}", "%!d(string=web)\n");
  assert_render("{{printf \"%s %s\" .Name}}", "web %!s(MISSING)\n");
  assert_render("{{printf \"%s\" .Name .Id}}", "web%!(EXTRA string=4e2a1b7c9d0f)\n");
  assert_render("{{printf \"100%%\"}}", "100%\n");
  assert_render("{{.Name | printf \"<%s>\"}}", "<web>\n");
  assert_render("{{printf \"%x\" .Neg}}", "-7\n");
  assert_render("{{print .Name .State.Pid 1 2}}", "web4242 1 2\n");
  assert_render("{{println .Name 1}}", "web 1\n\n");
}

static void
test_comparisons(void **state)
{
  assert_render("{{eq .State.Status \"running\"}}", "true\n");
  assert_render("{{eq .State.Pid 1 2 4242}}", "true\n");
  assert_render("{{ne .Name \"db\"}}", "true\n");
  assert_render("{{lt .State.Pid 5000}} {{le 2 2}} {{gt 1.5 1}} {{ge \"b\" \"a\"}}", "true true true true\n");
  assert_string_equal(render("{{lt .Name 3}}"),
                      "ERR: template: 1:3: executing at <lt>: error calling lt: invalid type for comparison: string and int");
}

static void
test_variables(void **state)
{
  assert_render("{{$n := .Name}}{{$n}}-{{$n}}", "web-web\n");
  assert_render("{{$x := 1}}{{$x = 2}}{{$x}}", "2\n");
  assert_render("{{$.Name}}", "web\n");
  assert_render("{{with .State}}{{$.Name}}:{{.Pid}}{{end}}", "web:4242\n");
  assert_string_equal(render("{{$nope}}"), "ERR: template: 1:3: undefined variable \"$nope\"");
}

static void
test_trim_and_comments(void **state)
{
  assert_render("a   {{- .Name -}}   b", "awebb\n");
  assert_render("{{.Name}}\n{{- /* a comment */ -}}\n{{.Id}}", "web4e2a1b7c9d0f\n");
  assert_render("x{{/* nothing */}}y", "xy\n");
  assert_render("{{- 3 -}}", "3\n");
  assert_render("{{-3}}", "-3\n");
}

static void
test_shell_escapes(void **state)
{
  /* '\t' typed in single quotes reaches ctool as backslash-t. */
  assert_render("{{.Name}}\\t{{.State.Pid}}", "web\t4242\n");
  assert_render("{{.Name}}\\n", "web\n");
}

static void
test_parse_errors(void **state)
{
  assert_string_equal(render("{{.Name"), "ERR: template: 1:1: unclosed action");
  assert_string_equal(render("{{if .Name}}x"), "ERR: template: 1:3: unexpected EOF: {{if}} without {{end}}");
  assert_string_equal(render("{{end}}"), "ERR: template: 1:1: unexpected {{end}}");
  assert_string_equal(render("{{nosuch .Name}}"), "ERR: template: 1:3: function \"nosuch\" not defined");
  assert_string_equal(render("{{\"abc}}"), "ERR: template: 1:3: unterminated quoted string");
  assert_string_equal(render("{{.Name .Id}}"), "ERR: template: 1:3: can't give argument to non-function .Name");
  assert_string_equal(render("{{(.Name}}"), "ERR: template: 1:3: unclosed left paren");
  assert_string_equal(render("{{break}}"), "ERR: template: 1:3: {{break}} outside {{range}}");
  assert_string_equal(render("{{define \"x\"}}{{end}}"), "ERR: template: 1:3: {{define}} is not supported in --format templates");
  assert_string_equal(render("a\n{{.Name | }}"), "ERR: template: 2:9: missing command after '|' in command");
  assert_string_equal(render("{{1x}}"), "ERR: template: 1:3: bad number syntax: \"1x\"");
  assert_string_equal(render("{{.Name | .Id}}"), "ERR: template: 1:11: can't give argument to non-function .Id");
}

static void
test_lists_and_tables(void **state)
{
  const char *list = "[ { \"ID\": \"aaa\", \"Names\": \"web\", \"CreatedAt\": \"now\" },"
                     "  { \"ID\": \"bbbbbbbb\", \"Names\": \"database\", \"CreatedAt\": \"then\" } ]";
  assert_string_equal(render_list("{{.ID}} {{.Names}}", list, true), "aaa web\nbbbbbbbb database\n");
  assert_string_equal(render_list("{{.ID}}\n", list, true), "aaa\nbbbbbbbb\n");
  /* Podman's table: header from the field names, columns padded to
   * max(12, widest + 2); the last column is not padded. */
  assert_string_equal(render_list("table {{.ID}}\t{{.Names}}\t{{.CreatedAt}}", list, true),
                      "ID          NAMES       CREATED AT\n"
                      "aaa         web         now\n"
                      "bbbbbbbb    database    then\n");
  assert_string_equal(render_list("table {{.ID}}\\t{{.Names | upper}}", "[]", true), "ID          NAMES\n");
  const char *wide = "[ { \"ID\": \"0123456789abcdef\", \"Names\": \"x\" } ]";
  assert_string_equal(render_list("table {{.ID}}\t{{.Names}}", wide, true),
                      "ID                NAMES\n"
                      "0123456789abcdef  x\n");
  assert_string_equal(render_list("{{.Nope}}", list, true),
                      "ERR: template: 1:3: executing at <.Nope>: can't evaluate field Nope in type struct (it has: ID, Names, CreatedAt)");
}

static void
test_headers_override(void **state)
{
  json_object *j = json_tokener_parse("[ { \"ID\": \"a\", \"Names\": \"b\" } ]");
  const char *const headers[] = { "ID=CONTAINER ID", NULL };
  char *out = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(format_render("table {{.ID}}\t{{.Names}}", j, true, headers, &out, &err), 0);
  assert_string_equal(out, "CONTAINER ID  NAMES\na             b\n");
  free(out);
  json_object_put(j);
}

static void
test_json_format(void **state)
{
  json_object *j = json_tokener_parse("{ \"Version\": \"1.0\" }");
  char *out = NULL;
  ctool_error_t err = NULL;
  assert_int_equal(format_render("json", j, false, NULL, &out, &err), 0);
  assert_string_equal(out, "{\n  \"Version\": \"1.0\"\n}\n");
  free(out);
  json_object_put(j);
}

static void
test_default_header(void **state)
{
  char *h;
  assert_string_equal(h = template_default_header("CreatedAt"), "CREATED AT"), free(h);
  assert_string_equal(h = template_default_header("ID"), "ID"), free(h);
  assert_string_equal(h = template_default_header("State.Status"), "STATUS"), free(h);
  assert_string_equal(h = template_default_header("ImageID"), "IMAGE ID"), free(h);
  assert_string_equal(h = template_default_header("IDName"), "ID NAME"), free(h);
}

static void
test_tabwriter(void **state)
{
  char *s = tabwriter_align("a\tbb\tc\naaa\tb\n", 0, 1);
  assert_string_equal(s, "a   bb c\naaa b\n");
  free(s);
  /* A line without the column ends the block. */
  s = tabwriter_align("aaaa\tx\nno tabs\nb\ty", 0, 1);
  assert_string_equal(s, "aaaa x\nno tabs\nb y");
  free(s);
  /* Widths count UTF-8 characters. */
  s = tabwriter_align("é\tx\nab\ty\n", 0, 1);
  assert_string_equal(s, "é  x\nab y\n");
  free(s);
}

static void
test_limits(void **state)
{
  /* Nested ranges that would run for ages stop with an error. */
  char *out = render("{{range 100000}}{{range 100000}}{{end}}{{end}}");
  assert_non_null(strstr(out, "ERR: template:"));
  assert_non_null(strstr(out, "too many steps"));
  out = render("{{printf \"%999999999d\" 1}}");
  assert_string_equal(out, "%!(BADWIDTH)1\n");
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fields),
    cmocka_unit_test(test_value_printing),
    cmocka_unit_test(test_unknown_field),
    cmocka_unit_test(test_json),
    cmocka_unit_test(test_range),
    cmocka_unit_test(test_if_with),
    cmocka_unit_test(test_index_len),
    cmocka_unit_test(test_strings_and_pipes),
    cmocka_unit_test(test_printf),
    cmocka_unit_test(test_comparisons),
    cmocka_unit_test(test_variables),
    cmocka_unit_test(test_trim_and_comments),
    cmocka_unit_test(test_shell_escapes),
    cmocka_unit_test(test_parse_errors),
    cmocka_unit_test(test_lists_and_tables),
    cmocka_unit_test(test_headers_override),
    cmocka_unit_test(test_json_format),
    cmocka_unit_test(test_default_header),
    cmocka_unit_test(test_tabwriter),
    cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
