#!/bin/sh
# Build-time checks of the services that protos declare, with errors that name the targets.
#
#   check_services.sh library MARKER TARGET [--proto LABEL=SERVICES]...
#       the protos of a wasm_plugin_library declare a type=plugin service
#   check_services.sh host MARKER TARGET [--proto LABEL=SERVICES]... [--plugin LABEL=SERVICES]...
#       each plugin implements a plugin service of the host's protos at the same version, and
#       each proto that declares plugin services has a plugin that implements one of them
#
# A SERVICES file has a line per service: `plugin NAME VERSION` or `host NAME MODULE`.
set -eu
mode=$1 marker=$2 target=$3
shift 3
scratch=$(mktemp -d "${TMPDIR:-/tmp}/check-services.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
: >"$scratch/protos" && : >"$scratch/plugins" && : >"$scratch/host"
all_protos=""
while [ $# -ge 2 ]; do
  kind=$1 label=${2%%=*} file=${2#*=}
  shift 2
  [ "$kind" = --proto ] && all_protos="$all_protos $label"
  awk -v label="$label" '$1 == "plugin" { print label, $0 }' "$file" >>"$scratch/${kind#--}s"
done
# "a.B version 1, c.D version 2": plugin services as `LABEL plugin NAME VERSION` lines.
describe() {
  awk '{ printf "%s%s version %s", (NR > 1 ? ", " : ""), $3, $4 }' "$1"
}
protos=$(cut -d' ' -f1 "$scratch/protos" | sort -u | tr '\n' ' ')
cut -d' ' -f2- "$scratch/protos" | sort -u >"$scratch/host"
if [ ! -s "$scratch/host" ]; then
  echo "ERROR: $target: its protos (${all_protos# }) declare no service marked '// wasm:plugin type=plugin' (or '// go:plugin type=plugin'): put '// wasm:plugin type=plugin version=1' on the line above the service that plugins implement" >&2
  exit 1
fi
if [ "$mode" = host ]; then
  for plugin in $(cut -d' ' -f1 "$scratch/plugins" | sort -u); do
    awk -v label="$plugin" '$1 == label' "$scratch/plugins" >"$scratch/one"
    if ! cut -d' ' -f2- "$scratch/one" | grep -qxF -f "$scratch/host"; then
      sed 's/^/x /' "$scratch/host" >"$scratch/host-described"
      echo "ERROR: $target: plugin $plugin implements $(describe "$scratch/one"), but the host's protos (${protos% }) declare $(describe "$scratch/host-described")" >&2
      exit 1
    fi
  done
  if [ -s "$scratch/plugins" ]; then
    cut -d' ' -f2- "$scratch/plugins" | sort -u >"$scratch/implemented"
    for proto in $protos; do
      awk -v label="$proto" '$1 == label' "$scratch/protos" >"$scratch/one"
      if ! cut -d' ' -f2- "$scratch/one" | grep -qxF -f "$scratch/implemented"; then
        echo "ERROR: $target: proto $proto declares $(describe "$scratch/one"), but none of its plugins ($(cut -d' ' -f1 "$scratch/plugins" | sort -u | tr '\n' ' ' | sed 's/ $//')) implements it: add a plugin that does to \`plugins\`, or take $proto out of \`protos\` (or set check_plugins = False)" >&2
        exit 1
      fi
    done
  fi
fi
: >"$marker"
