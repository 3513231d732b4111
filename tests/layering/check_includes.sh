#!/usr/bin/env bash
# Dependencies point one way (DEVELOPERS.md, "the shape"):
#   core <- catalog <- persistence, metrics, http/upstream, http/openai <- actors <- http/server <- app
#   actors <- http/views (the router's views as JSON) <- http/server, client
#   actors <- runtime <- app, client (client sits beside app: it never uses http/server or app)
# Every project include of every source file is checked against the folders its own folder may
# use; one wrong-way include fails the test and names the file and the line.
set -u
root=${1:-$(dirname "$0")/../..}
cd "$root" || exit 2

declare -A allowed=(
  [core]="core"
  [catalog]="core catalog"
  [persistence]="core catalog persistence"
  [metrics]="core catalog metrics"
  [http/upstream]="core catalog http/upstream"
  [http/openai]="core catalog http/openai"
  [actors]="core catalog persistence metrics http/upstream http/openai actors"
  [http/views]="core catalog persistence metrics http/upstream http/openai actors http/views"
  [web]="web"
  [http/server]="core catalog persistence metrics http/upstream http/openai actors http/views web http/server"
  [runtime]="core catalog persistence metrics http/upstream http/openai actors runtime"
  [client]="core catalog persistence metrics http/upstream http/openai actors http/views runtime client freerouter"
)

failures=0
checked=0
for layer in "${!allowed[@]}"; do
  [[ -d $layer ]] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$rest")
    # The folder of the included header: two levels for http/, one otherwise.
    case $target in
      http/*) folder=$(cut -d/ -f1-2 <<<"$target") ;;
      */*) folder=${target%%/*} ;;
      *) continue ;; # a header beside the file (generated, local)
    esac
    checked=$((checked + 1))
    if [[ " ${allowed[$layer]} " != *" $folder "* ]]; then
      echo "wrong-way include: $file:$line includes \"$target\" ($layer may use: ${allowed[$layer]})"
      failures=$((failures + 1))
    fi
  done < <(grep -rnE '^#include "' --include='*.hpp' --include='*.cpp' "$layer" || true)
done
if ((checked == 0)); then
  echo "no include checked: wrong root $(pwd)?"
  exit 1
fi
echo "$checked project includes checked, $failures pointing the wrong way"
((failures == 0))
