#!/bin/sh
# Build-time checks of what a proto declares, with errors that name the targets.
#
#   check_services.sh library MARKER TARGET PROTO SERVICES
#       the proto of a wasm_plugin_library has a type=plugin service
#   check_services.sh host MARKER TARGET PROTO SERVICES [PLUGIN PLUGIN_PROTO PLUGIN_SERVICES]...
#       each plugin implements a plugin service of the host's proto, at the same version
set -eu
# "a.B version 1, c.D version 2": the plugin services of a services file.
describe() {
  grep '^plugin ' "$1" | awk '{ printf "%s%s version %s", (NR > 1 ? ", " : ""), $2, $3 }'
}

mode=$1 marker=$2 target=$3 proto=$4 services=$5
shift 5
if ! grep -q '^plugin ' "$services"; then
  echo "ERROR: $target: $proto declares no service marked '// wasm:plugin type=plugin' (or '// go:plugin type=plugin'): put '// wasm:plugin type=plugin version=1' on the line above the service that plugins implement" >&2
  exit 1
fi
if [ "$mode" = host ]; then
  while [ $# -ge 3 ]; do
    plugin=$1 plugin_proto=$2 plugin_services=$3
    shift 3
    if ! grep '^plugin ' "$plugin_services" | grep -qxF -f "$services"; then
      echo "ERROR: $target: plugin $plugin implements $(describe "$plugin_services") (from $plugin_proto), but the host's proto $proto declares $(describe "$services")" >&2
      exit 1
    fi
  done
fi
: > "$marker"
