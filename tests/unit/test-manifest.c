/* Unit tests of manifest parsing and platform selection, on manifests as
 * registries serve them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "store.h"
#include "util.h"

#define D(c) "sha256:" c c c c c c c c   /* 8 x 8 hex digits */

/* The multi-platform fixture as the test registry serves it
 * (tests/fixtures/build-images.sh, ctool-test/multiarch). */
static const char oci_index[]
  = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:a07104e83d93b7e12de7894143026f1e6eb49c5009ead8c06f326375f82cc5ae\",\"size\":559,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:29852389a23436d1876320f12cf39288104d92d0766bfbd86d5406db4c6f4956\",\"size\":559,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:8d4557b8f910357d4801b64e551080a33efb91b07db6ade1d83bb38532186973\",\"size\":559,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}";

/* Shaped like Docker Hub's busybox manifest list: several arm variants,
 * arm64 with a variant, and a Windows entry. */
static const char docker_list[]
  = "{\n   \"manifests\": [\n"
    "      {\"digest\": \"" D("00000001") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\"}, \"size\": 528},\n"
    "      {\"digest\": \"" D("00000002") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"arm\", \"os\": \"linux\", \"variant\": \"v5\"}, \"size\": 528},\n"
    "      {\"digest\": \"" D("00000003") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"arm\", \"os\": \"linux\", \"variant\": \"v6\"}, \"size\": 527},\n"
    "      {\"digest\": \"" D("00000004") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"arm\", \"os\": \"linux\", \"variant\": \"v7\"}, \"size\": 528},\n"
    "      {\"digest\": \"" D("00000005") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"arm64\", \"os\": \"linux\", \"variant\": \"v8\"}, \"size\": 528},\n"
    "      {\"digest\": \"" D("00000006") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"386\", \"os\": \"linux\"}, \"size\": 528},\n"
    "      {\"digest\": \"" D("00000007") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"s390x\", \"os\": \"linux\"}, \"size\": 528},\n"
    "      {\"digest\": \"" D("00000008") "\", \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"platform\": {\"architecture\": \"amd64\", \"os\": \"windows\", \"os.version\": \"10.0.17763.4252\"}, \"size\": 1125}\n"
    "   ],\n   \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n   \"schemaVersion\": 2\n}\n";

/* What BuildKit pushes: images plus attestation manifests for
 * "unknown/unknown"; arm64 without a variant. */
static const char buildkit_index[]
  = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D("0000000a") "\",\"size\":673,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D("0000000b") "\",\"size\":566,\"annotations\":{\"vnd.docker.reference.digest\":\"" D("0000000a") "\",\"vnd.docker.reference.type\":\"attestation-manifest\"},\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"}}]}";

/* The Docker schema 2 fixture (ctool-test/busybox-docker). */
static const char docker_manifest[]
  = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":504,\"digest\":\"sha256:923fbf4b424f142cc1a82d8bc6f6c3a82f93cbe254f1b5222e3d1b32299d5c92\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":1088558,\"digest\":\"sha256:c5ef718dc0884e07fd9000a593f5d7ab6e747abb7f32f53f64924e2109162d04\"}]}";

/* The zstd fixture (ctool-test/zstd): mediaType last, gzip + zstd layers. */
static const char zstd_manifest[]
  = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:f747b87f35fb815312fc70bd204b764ecc182ad3d1d9b698e82ff24a17894fed\",\"size\":812},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:c5ef718dc0884e07fd9000a593f5d7ab6e747abb7f32f53f64924e2109162d04\",\"size\":1088558},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"sha256:ca9d2a2125849b27395deb845dd9d8b3902a17e39c5f0955763086167c344d43\",\"size\":65749},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"sha256:95484ee5da131cfcaef1cb6b30828252f5d3f541ac11b91d261e994135857773\",\"size\":2025}],\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";

/* A schema 1 manifest (signed), as old registries still hold. */
static const char schema1[]
  = "{\"schemaVersion\":1,\"name\":\"library/busybox\",\"tag\":\"latest\",\"architecture\":\"amd64\","
    "\"fsLayers\":[{\"blobSum\":\"" D("0000000c") "\"}],\"history\":[{\"v1Compatibility\":\"{}\"}],"
    "\"signatures\":[{\"header\":{\"alg\":\"ES256\"},\"signature\":\"x\",\"protected\":\"y\"}]}";

static void
parse_ok(const char *text, const char *ct, struct manifest *m)
{
  ctool_error_t err = NULL;
  if (manifest_parse(text, strlen(text), ct, m, &err) < 0)
    fail_msg("parse failed: %s", err->msg);
}

static char *
parse_fails(const char *text, const char *ct)
{
  struct manifest m;
  ctool_error_t err = NULL;
  assert_int_equal(manifest_parse(text, strlen(text), ct, &m, &err), -1);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

static const struct descriptor *
select_ok(const struct manifest *idx, const char *platform)
{
  struct platform p;
  ctool_error_t err = NULL;
  const struct descriptor *d = NULL;
  assert_int_equal(platform_parse(platform, &p, &err), 0);
  if (manifest_select_platform(idx, &p, &d, &err) < 0)
    fail_msg("selecting %s failed: %s", platform, err->msg);
  return d;
}

static char *
select_fails(const struct manifest *idx, const char *platform)
{
  struct platform p;
  ctool_error_t err = NULL;
  const struct descriptor *d = NULL;
  assert_int_equal(platform_parse(platform, &p, &err), 0);
  assert_int_equal(manifest_select_platform(idx, &p, &d, &err), -1);
  char *msg = xstrdup(err->msg);
  ctool_error_free(&err);
  return msg;
}

static void
test_oci_index(void **state)
{
  struct manifest m;
  parse_ok(oci_index, "application/vnd.oci.image.index.v1+json", &m);
  assert_int_equal(m.kind, MANIFEST_INDEX);
  assert_int_equal(m.n_manifests, 3);
  assert_string_equal(m.manifests[1].arch, "arm64");
  assert_string_equal(m.manifests[1].variant, "v8");
  assert_null(m.manifests[0].variant);
  assert_int_equal(m.manifests[0].size, 559);

  assert_string_equal(select_ok(&m, "linux/amd64")->digest,
                      "sha256:a07104e83d93b7e12de7894143026f1e6eb49c5009ead8c06f326375f82cc5ae");
  assert_ptr_equal(select_ok(&m, "linux/arm64"), &m.manifests[1]);
  assert_ptr_equal(select_ok(&m, "linux/arm64/v8"), &m.manifests[1]);
  assert_ptr_equal(select_ok(&m, "linux/arm"), &m.manifests[2]);
  assert_ptr_equal(select_ok(&m, "linux/arm/v7"), &m.manifests[2]);

  char *msg = select_fails(&m, "linux/s390x");
  assert_string_equal(msg, "no image for platform linux/s390x in the manifest list: it offers linux/amd64, "
                           "linux/arm64/v8, linux/arm/v7 (choose one with --platform)");
  free(msg);
  /* v6 hardware cannot run the v7 image: no silent upgrade. */
  msg = select_fails(&m, "linux/arm/v6");
  assert_non_null(strstr(msg, "linux/arm/v6"));
  free(msg);
  manifest_clear(&m);
}

static void
test_docker_list_variants(void **state)
{
  struct manifest m;
  parse_ok(docker_list, "application/vnd.docker.distribution.manifest.list.v2+json", &m);
  assert_int_equal(m.kind, MANIFEST_INDEX);
  assert_int_equal(m.n_manifests, 8);
  assert_string_equal(m.media_type, MT_DOCKER_LIST);
  assert_string_equal(select_ok(&m, "linux/amd64")->digest, D("00000001"));
  assert_string_equal(select_ok(&m, "linux/arm")->digest, D("00000004"));
  assert_string_equal(select_ok(&m, "linux/arm/v6")->digest, D("00000003"));
  assert_string_equal(select_ok(&m, "linux/arm/v5")->digest, D("00000002"));
  assert_string_equal(select_ok(&m, "linux/arm64")->digest, D("00000005"));
  assert_string_equal(select_ok(&m, "linux/386")->digest, D("00000006"));
  assert_string_equal(select_ok(&m, "windows/amd64")->digest, D("00000008"));
  char *msg = select_fails(&m, "linux/ppc64le");
  assert_non_null(strstr(msg, "linux/amd64, linux/arm/v5, linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/386, "
                              "linux/s390x, windows/amd64"));
  free(msg);
  manifest_clear(&m);
}

/* An index with only arm v6 and v5: plain "arm" falls back in order. */
static void
test_arm_fallback(void **state)
{
  static const char idx[]
    = "{\"schemaVersion\":2,\"manifests\":["
      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D("00000015") "\",\"size\":1,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v5\"}},"
      "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D("00000016") "\",\"size\":1,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}}]}";
  struct manifest m;
  /* No Content-Type and no mediaType: the shape says index. */
  parse_ok(idx, NULL, &m);
  assert_int_equal(m.kind, MANIFEST_INDEX);
  assert_string_equal(m.media_type, MT_OCI_INDEX);
  assert_string_equal(select_ok(&m, "linux/arm")->digest, D("00000016"));
  manifest_clear(&m);
}

static void
test_attestations_skipped(void **state)
{
  struct manifest m;
  parse_ok(buildkit_index, "application/vnd.oci.image.index.v1+json", &m);
  /* arm64 without a variant counts as v8. */
  assert_string_equal(select_ok(&m, "linux/arm64")->digest, D("0000000a"));
  assert_string_equal(select_ok(&m, "linux/arm64/v8")->digest, D("0000000a"));
  char *msg = select_fails(&m, "linux/amd64");
  assert_non_null(strstr(msg, "it offers linux/arm64 "));
  assert_null(strstr(msg, "unknown"));
  free(msg);
  manifest_clear(&m);
}

static void
test_docker_schema2(void **state)
{
  struct manifest m;
  parse_ok(docker_manifest, "application/vnd.docker.distribution.manifest.v2+json", &m);
  assert_int_equal(m.kind, MANIFEST_IMAGE);
  assert_string_equal(m.config.media_type, MT_DOCKER_CONFIG);
  assert_string_equal(m.config.digest, "sha256:923fbf4b424f142cc1a82d8bc6f6c3a82f93cbe254f1b5222e3d1b32299d5c92");
  assert_int_equal(m.config.size, 504);
  assert_int_equal(m.n_layers, 1);
  assert_int_equal(m.layers[0].size, 1088558);
  assert_int_equal(layer_compression_of(m.layers[0].media_type), LAYER_GZIP);
  ctool_error_t err = NULL;
  assert_int_equal(manifest_check_pullable(&m, &err), 0);
  manifest_clear(&m);
}

static void
test_oci_zstd(void **state)
{
  struct manifest m;
  /* Content-Type with parameters, in another case. */
  parse_ok(zstd_manifest, "Application/vnd.oci.image.manifest.v1+json; charset=utf-8", &m);
  assert_int_equal(m.kind, MANIFEST_IMAGE);
  assert_string_equal(m.media_type, MT_OCI_MANIFEST);
  assert_int_equal(m.n_layers, 3);
  assert_int_equal(layer_compression_of(m.layers[0].media_type), LAYER_GZIP);
  assert_int_equal(layer_compression_of(m.layers[1].media_type), LAYER_ZSTD);
  assert_int_equal(layer_compression_of(m.layers[2].media_type), LAYER_ZSTD);
  assert_int_equal(layer_compression_of("application/vnd.oci.image.layer.v1.tar"), LAYER_TAR);
  ctool_error_t err = NULL;
  assert_int_equal(manifest_check_pullable(&m, &err), 0);
  manifest_clear(&m);
  /* Served as plain JSON: the document's mediaType decides. */
  parse_ok(zstd_manifest, "application/json", &m);
  assert_int_equal(m.kind, MANIFEST_IMAGE);
  manifest_clear(&m);
}

static void
test_schema1_refused(void **state)
{
  char *msg = parse_fails(schema1, "application/vnd.docker.distribution.manifest.v1+prettyjws");
  assert_non_null(strstr(msg, "old Docker schema 1 format"));
  assert_non_null(strstr(msg, "re-push it with a current client"));
  free(msg);
  /* Also when the server does not say what it is. */
  msg = parse_fails(schema1, NULL);
  assert_non_null(strstr(msg, "schema 1"));
  free(msg);
  msg = parse_fails(schema1, "application/vnd.docker.distribution.manifest.v1+json");
  assert_non_null(strstr(msg, "schema 1"));
  free(msg);
}

static void
test_bad_manifests(void **state)
{
  char *msg = parse_fails("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                          "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha512:abcd\",\"size\":1},\"layers\":[]}",
                          NULL);
  assert_non_null(strstr(msg, "only sha256"));
  free(msg);
  msg = parse_fails("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    "\"config\":{\"digest\":\"sha256:12\",\"size\":1},\"layers\":[]}", NULL);
  assert_non_null(strstr(msg, "invalid digest"));
  free(msg);
  msg = parse_fails("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    "\"config\":{\"digest\":\"" D("00000001") "\",\"size\":-4},\"layers\":[]}", NULL);
  assert_non_null(strstr(msg, "invalid size"));
  free(msg);
  msg = parse_fails("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    "\"config\":{\"digest\":\"" D("00000001") "\",\"size\":1}}", NULL);
  assert_non_null(strstr(msg, "'layers' is missing"));
  free(msg);
  msg = parse_fails("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.cncf.helm.chart\"}", NULL);
  assert_non_null(strstr(msg, "unsupported manifest type 'application/vnd.cncf.helm.chart'"));
  free(msg);
  msg = parse_fails("{\"schemaVersion\":2,", MT_OCI_MANIFEST);
  assert_non_null(strstr(msg, "invalid JSON in manifest"));
  free(msg);
}

static void
layers_refused(const char *layer_type, const char *expect)
{
  cleanup_free char *text = xasprintf(
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" D("00000001") "\",\"size\":10},"
    "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"" D("00000002") "\",\"size\":100,"
    "\"urls\":[\"https://mcr.microsoft.com/v2/windows/blobs/x\"]}]}",
    layer_type);
  struct manifest m;
  parse_ok(text, NULL, &m);
  ctool_error_t err = NULL;
  assert_int_equal(manifest_check_pullable(&m, &err), -1);
  if (strstr(err->msg, expect) == NULL)
    fail_msg("'%s' does not contain '%s'", err->msg, expect);
  ctool_error_free(&err);
  manifest_clear(&m);
}

static void
test_layers_refused(void **state)
{
  layers_refused("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "foreign (non-distributable) layer");
  layers_refused("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", "foreign (non-distributable) layer");
  layers_refused("application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "is encrypted");
  layers_refused("application/vnd.oci.image.layer.v1.tar+lz4", "unsupported media type");
}

static void
test_config(void **state)
{
  static const char cfg[]
    = "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"sh\"]},\"created\":\"2023-11-14T22:13:20Z\","
      "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D("0000000d") "\",\"" D("0000000e") "\"]}}";
  struct image_config_info c;
  ctool_error_t err = NULL;
  assert_int_equal(image_config_parse(cfg, strlen(cfg), &c, &err), 0);
  assert_int_equal(c.n_diff_ids, 2);
  assert_string_equal(c.diff_ids[1], D("0000000e"));
  assert_null(c.diff_ids[2]);
  assert_string_equal(c.os, "linux");
  assert_string_equal(c.arch, "amd64");
  assert_null(c.variant);
  image_config_info_clear(&c);

  static const char bad[] = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:zz\"]}}";
  assert_int_equal(image_config_parse(bad, strlen(bad), &c, &err), -1);
  assert_non_null(strstr(err->msg, "diff_ids[0]"));
  ctool_error_free(&err);
  static const char notype[] = "{\"rootfs\":{\"diff_ids\":[]}}";
  assert_int_equal(image_config_parse(notype, strlen(notype), &c, &err), -1);
  assert_non_null(strstr(err->msg, "rootfs.type"));
  ctool_error_free(&err);
}

static void
test_digests(void **state)
{
  char d[72];
  digest_sha256("", 0, d);
  assert_string_equal(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_true(store_digest_valid(d));
  assert_false(store_digest_valid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  assert_false(store_digest_valid("sha256:e3b0"));
  assert_false(store_digest_valid("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  ctool_error_t err = NULL;
  assert_int_equal(digest_verify("x", 1, d, "the config", &err), -1);
  assert_non_null(strstr(err->msg, "digest mismatch for the config"));
  ctool_error_free(&err);
  assert_int_equal(digest_verify("", 0, d, "the config", &err), 0);
}

/* Found by fuzzing (tests/fuzz/fuzz-manifest.c): strings from the registry
 * went into messages as they were, so a hostile registry could print
 * newlines and terminal escapes on the user's terminal. */
static void
assert_printable(const char *msg)
{
  for (const unsigned char *p = (const unsigned char *) msg; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      fail_msg("control character 0x%02x in '%s'", *p, msg);
}

static void
test_hostile_strings_quoted(void **state)
{
  static const char tab_ff_digest[]
    = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:b14\xff\t0dd\",\"size\":812},\"layers\":[]}";
  char *m = parse_fails(tab_ff_digest, MT_OCI_MANIFEST);
  assert_string_equal(m, "invalid manifest: config has an invalid digest 'sha256:b14\\xff\\x090dd'");
  free(m);

  static const char esc_digest[]
    = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha512:\\u001b[2J\\nx\"},\"layers\":[]}";
  m = parse_fails(esc_digest, MT_OCI_MANIFEST);
  assert_string_equal(m, "unsupported digest 'sha512:\\x1b[2J\\x0ax' in config: ctool supports only sha256");
  free(m);

  static const char esc_type[] = "{\"schemaVersion\":2,\"mediaType\":\"x\\u001b]0;title\\u0007\",\"layers\":[]}";
  m = parse_fails(esc_type, NULL);
  assert_string_equal(m, "unsupported manifest type 'x\\x1b]0;title\\x07': ctool pulls OCI and Docker schema 2 images");
  free(m);

  static const char esc_layer[]
    = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D("00000001") "\"},"
      "\"layers\":[{\"mediaType\":\"application/x\\u001b[31m\\r\",\"digest\":\"" D("00000002") "\"}]}";
  struct manifest im;
  parse_ok(esc_layer, MT_OCI_MANIFEST, &im);
  ctool_error_t err = NULL;
  assert_int_equal(manifest_check_pullable(&im, &err), -1);
  assert_non_null(strstr(err->msg, "unsupported media type 'application/x\\x1b[31m\\x0d'"));
  assert_printable(err->msg);
  ctool_error_free(&err);
  manifest_clear(&im);

  static const char esc_platform[]
    = "{\"schemaVersion\":2,\"mediaType\":\"" MT_OCI_INDEX "\",\"manifests\":[{\"digest\":\"" D("00000003") "\","
      "\"platform\":{\"os\":\"linux\\nfake\",\"architecture\":\"amd64\",\"variant\":\"\\u001b[0m\"}}]}";
  struct manifest idx;
  parse_ok(esc_platform, NULL, &idx);
  const struct descriptor *d;
  struct platform want = { "linux", "amd64", "" };
  assert_int_equal(manifest_select_platform(&idx, &want, &d, &err), -1);
  assert_non_null(strstr(err->msg, "it offers linux\\x0afake/amd64/\\x1b[0m "));
  assert_printable(err->msg);
  ctool_error_free(&err);
  manifest_clear(&idx);
}

int
main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_oci_index),
    cmocka_unit_test(test_docker_list_variants),
    cmocka_unit_test(test_arm_fallback),
    cmocka_unit_test(test_attestations_skipped),
    cmocka_unit_test(test_docker_schema2),
    cmocka_unit_test(test_oci_zstd),
    cmocka_unit_test(test_schema1_refused),
    cmocka_unit_test(test_bad_manifests),
    cmocka_unit_test(test_layers_refused),
    cmocka_unit_test(test_config),
    cmocka_unit_test(test_digests),
    cmocka_unit_test(test_hostile_strings_quoted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
