# The config.yml of one distribution registry (docker-registry) serving
# plain HTTP on 127.0.0.1, printed on stdout; sourced by
# tests/setup/registry.sh (the shared instances, which append their tls:
# or auth: sections) and tests/bats/helpers.bash (a test's private one).
#
#   registry_config DATA_DIR HOST:PORT SECRET
registry_config() {
  cat <<END
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $1
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
  redirect:
    disable: true
http:
  addr: $2
  secret: $3
END
}
