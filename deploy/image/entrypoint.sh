#!/bin/sh
# The image's entry point: runs the service named by SERVICE, compiled, on plain Node
# (the storefront-dist condition resolves the project's packages to their dist/).
# SERVICE=migrate runs the migration job (`npm run migrate`, compiled).
set -eu

case "${SERVICE:-}" in
  users) entry=subgraphs/users/dist/main.js ;;
  catalog) entry=subgraphs/catalog/dist/main.js ;;
  orders) entry=subgraphs/orders/dist/main.js ;;
  gateway) entry=gateway/dist/main.js ;;
  bff-web) entry=bff-web/dist/main.js ;;
  bff-mobile) entry=bff-mobile/dist/main.js ;;
  migrate) entry=scripts/dist/migrate.js ;;
  *)
    echo "SERVICE must be one of users, catalog, orders, gateway, bff-web, bff-mobile, migrate; got \"${SERVICE:-}\"" >&2
    exit 64
    ;;
esac

exec node --conditions=storefront-dist "$entry" "$@"
