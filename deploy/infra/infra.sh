#!/usr/bin/env bash
# Local infrastructure for Demarche without Docker: Apache Kafka (KRaft, single node),
# FerretDB (MongoDB wire protocol, on a PostgreSQL server of its own), Redis and Mailpit (an SMTP
# server whose HTTP API reads the mail back), all on 127.0.0.1.
#
#   bash deploy/infra/infra.sh up       start what is not running (idempotent)
#   bash deploy/infra/infra.sh status   print each service; exit 0 only if all are up
#   bash deploy/infra/infra.sh down     stop what this script started
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), MONGO_PORT (27017),
# REDIS_PORT (6379), SMTP_PORT (1025), MAILPIT_HTTP_PORT (8025), POSTGRES_PORT (54320, FerretDB's own PostgreSQL), FERRETDB_HANDLER
# (postgresql, or sqlite for FerretDB on SQLite files), DEMARCHE_INFRA_HOME (<repo>/.infra), INFRA_START_TIMEOUT (seconds, 90),
# KAFKA_HEAP_OPTS (-Xms256m -Xmx512m), FERRETDB_LOG_LEVEL (info), FERRETDB_GOGC (400). See deploy/infra/README.md.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
INFRA_HOME="${DEMARCHE_INFRA_HOME:-$REPO/.infra}"
CACHE_DIR="$INFRA_HOME/cache"
RUN_DIR="$INFRA_HOME/run"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${MONGO_PORT:-27017}"
REDIS_PORT="${REDIS_PORT:-6379}"
POSTGRES_PORT="${POSTGRES_PORT:-54320}"
# PostgreSQL by default: it scans and writes several times faster than SQLite under concurrent
# load, and only there do FerretDB's equalities get an index (postgres/equality-indexes.sql).
FERRETDB_HANDLER="${FERRETDB_HANDLER:-postgresql}"
FERRETDB_GOGC="${FERRETDB_GOGC:-400}"
START_TIMEOUT="${INFRA_START_TIMEOUT:-90}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-info}"
SMTP_PORT="${SMTP_PORT:-1025}"
MAILPIT_HTTP_PORT="${MAILPIT_HTTP_PORT:-8025}"
# The version docker-compose.yml pins too.
MAILPIT_VERSION="v1.33.1"

KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
FERRETDB_SRC="$SCRIPT_DIR/ferretdb"
# Single source of truth for the versions: the POM and go.mod.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1)"
FERRETDB_VERSION="$(awk '$1 == "require" && $2 == "github.com/FerretDB/FerretDB" { print $3 }' "$FERRETDB_SRC/go.mod")"

# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------
if [[ -t 1 ]]; then B=$'\e[1m'; G=$'\e[32m'; R=$'\e[31m'; Y=$'\e[33m'; N=$'\e[0m'; else B=; G=; R=; Y=; N=; fi
step() { printf '%s==>%s %s\n' "$B" "$N" "$*"; }
ok()   { printf '    %sok%s  %s\n' "$G" "$N" "$*"; }
warn() { printf '    %swarn%s %s\n' "$Y" "$N" "$*" >&2; }
# fail WHAT [LOGFILE] [HINT...]: explain what failed, show the log's tail, say what to do, exit 1.
fail() {
  local what="$1" log="${2:-}"; shift 2 || shift $#
  printf '\n%sFAILED:%s %s\n' "$R" "$N" "$what" >&2
  if [[ -n "$log" && -f "$log" ]]; then
    printf '%s--- last 30 lines of %s ---%s\n' "$B" "$log" "$N" >&2
    tail -n 30 "$log" >&2 || true
    printf '%s--- end of %s ---%s\n' "$B" "$log" "$N" >&2
  elif [[ -n "$log" ]]; then
    printf '(no log file at %s)\n' "$log" >&2
  fi
  local hint
  for hint in "$@"; do printf 'What to do: %s\n' "$hint" >&2; done
  exit 1
}
on_error() {
  printf '\n%sFAILED:%s unexpected error (exit %s) at deploy/infra/infra.sh line %s: %s\n' "$R" "$N" "$1" "$2" "$3" >&2
  printf 'What to do: rerun with "bash -x deploy/infra/infra.sh ..." to trace it; logs are under %s\n' "$RUN_DIR" >&2
}
trap 'on_error "$?" "$LINENO" "$BASH_COMMAND"' ERR

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pid_of SERVICE: the pid from the service's pidfile if that process is alive and is ours.
pid_of() {
  local svc="$1" pidfile marker pid
  case "$svc" in
    kafka) pidfile="$RUN_DIR/kafka/kafka.pid"; marker="kafka.Kafka" ;;
    mongo) pidfile="$RUN_DIR/mongo/ferretdb.pid"; marker="demarche-ferretdb" ;;
    redis) pidfile="$RUN_DIR/redis/redis.pid"; marker="redis-server" ;;
    mail) pidfile="$RUN_DIR/mail/mailpit.pid"; marker="mailpit" ;;
    postgres) pidfile="$(pg_dir)/data/postmaster.pid"; marker="bin/postgres" ;;
  esac
  [[ -s "$pidfile" ]] || return 1
  pid="$(head -n1 "$pidfile" | tr -dc '0-9')"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"$marker"* ]] || return 1
  echo "$pid"
}

port_of() { case "$1" in kafka) echo "$KAFKA_PORT" ;; mongo) echo "$MONGO_PORT" ;; redis) echo "$REDIS_PORT" ;; mail) echo "$SMTP_PORT" ;; postgres) echo "$POSTGRES_PORT" ;; esac; }
log_of() {
  case "$1" in
    kafka) echo "$RUN_DIR/kafka/server.log" ;; mongo) echo "$RUN_DIR/mongo/ferretdb.log" ;; redis) echo "$RUN_DIR/redis/redis.log" ;;
    mail) echo "$RUN_DIR/mail/mailpit.log" ;;
    postgres) echo "$(pg_dir)/postgres.log" ;;
  esac
}

# healthy SERVICE: our process is alive and answers on its port (Kafka: answers a metadata request).
healthy() {
  local svc="$1" port
  port="$(port_of "$svc")"
  pid_of "$svc" > /dev/null || return 1
  case "$svc" in
    kafka) timeout 10 kcat -b "127.0.0.1:$port" -L -m 5 > /dev/null 2>&1 ;;
    redis) [[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == PONG ]] ;;
    postgres) timeout 5 "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$port" ;;
    mail) port_open "$port" && port_open "$MAILPIT_HTTP_PORT" ;;
    *) port_open "$port" ;;
  esac
}

# wait_healthy SERVICE LABEL: wait up to START_TIMEOUT seconds, fail with the log if it never answers.
wait_healthy() {
  local svc="$1" label="$2" port log start
  port="$(port_of "$svc")"; log="$(log_of "$svc")"; start=$SECONDS
  while (( SECONDS - start < START_TIMEOUT )); do
    if healthy "$svc"; then ok "$label answers on 127.0.0.1:$port ($(( SECONDS - start )) s)"; return 0; fi
    if ! pid_of "$svc" > /dev/null; then
      fail "$label exited during startup (port $port)." "$log" \
        "read $log; fix the cause, then run 'bash deploy/infra/infra.sh up' again." \
        "if its data is corrupt, 'bash deploy/infra/infra.sh down' and delete $RUN_DIR/$svc/data."
    fi
    sleep 0.5
  done
  fail "$label did not answer on 127.0.0.1:$port within $START_TIMEOUT s (it is still running, pid $(pid_of "$svc" || echo '?'))." "$log" \
    "read $log; on a slow machine retry with INFRA_START_TIMEOUT=300." \
    "'bash deploy/infra/infra.sh down' stops it."
}

# refuse_foreign_port SERVICE LABEL: the port is busy but not by our process.
refuse_foreign_port() {
  local svc="$1" label="$2" port who=""
  port="$(port_of "$svc")"
  port_open "$port" || return 0
  command -v ss > /dev/null && who="$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'users:.*' | head -n1 || true)"
  local var; var="$(echo "$svc" | tr '[:lower:]' '[:upper:]')_PORT"
  fail "cannot start $label: port 127.0.0.1:$port is already used by a process this script did not start${who:+ ($who)}." "" \
    "stop that process (e.g. a system service: 'systemctl stop redis-server', or 'docker compose down'), or pick another port with $var=..."
}

# Start a long-running process in its own session, detached from this shell, logging to LOG.
spawn() {
  local log="$1" pidfile="$2"; shift 2
  if [[ -f "$log" ]]; then mv -f "$log" "$log.1"; fi
  rm -f "$pidfile"
  # The inner shell records its own pid, then becomes the server (exec), so the pidfile is exact.
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$pidfile" "$@" > "$log" 2>&1 < /dev/null 9>&- &
  for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -s "$pidfile" ]] && return 0; sleep 0.1; done
}

# The newest PostgreSQL server installed from Debian's packages (empty if none).
pg_bin() { find /usr/lib/postgresql -maxdepth 3 -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n1 | xargs -r dirname; }

# PostgreSQL refuses to run as root: as root, its commands run as the 'postgres' user, whose
# data folder must then be reachable by that user. It lives under RUN_DIR unless the
# checkout sits where 'postgres' cannot enter (a home folder of mode 700, say).
pg_dir() {
  if (( EUID == 0 )) && ! runuser -u postgres -- test -w "$RUN_DIR" 2>/dev/null && ! runuser -u postgres -- test -x "$RUN_DIR" 2>/dev/null; then
    echo "/var/tmp/demarche-postgres-$(echo "$INFRA_HOME" | sha256sum | cut -c1-12)"
  else
    echo "$RUN_DIR/postgres"
  fi
}
pg_run() { if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi; }

as_root() { if (( EUID == 0 )); then "$@"; elif command -v sudo > /dev/null; then sudo "$@"; else return 1; fi; }

# ---------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------
ensure_apt_packages() {
  local missing=() pkg cmd log="$CACHE_DIR/apt.log"
  # chromium: the headless browser the console's browser tests drive (never downloaded;
  # CHROMIUM_PATH names another one).
  for pair in redis-server:redis-server redis-cli:redis-tools kcat:kcat chromium:chromium; do
    cmd="${pair%%:*}"; pkg="${pair#*:}"
    [[ "$cmd" == chromium && -n "${CHROMIUM_PATH:-}" && -x "${CHROMIUM_PATH:-}" ]] && continue
    command -v "$cmd" > /dev/null || missing+=("$pkg")
  done
  if [[ "$FERRETDB_HANDLER" == postgresql && -z "$(pg_bin)" ]]; then missing+=(postgresql); fi
  if (( ${#missing[@]} == 0 )); then ok "redis-server, redis-cli, kcat, chromium present"; return; fi
  command -v apt-get > /dev/null || fail "missing ${missing[*]} and no apt-get to install them." "" \
    "install Redis (server and redis-cli), kcat and chromium with your package manager, then rerun."
  step "Installing Debian packages: ${missing[*]} (log: $log)"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y --no-install-recommends "${missing[@]}" > "$log" 2>&1; then
    step "apt-get install failed; running apt-get update and retrying"
    as_root apt-get update >> "$log" 2>&1 || fail "apt-get update failed." "$log" "check network access to the Debian mirrors and that you are root (or have sudo)."
    as_root apt-get install -y --no-install-recommends "${missing[@]}" >> "$log" 2>&1 ||
      fail "apt-get install ${missing[*]} failed." "$log" "run 'apt-get install -y ${missing[*]}' by hand to see why."
  fi
  ok "installed ${missing[*]}"
}

ensure_kafka_libs() {
  local libs_dir="$CACHE_DIR/kafka-$KAFKA_VERSION" stamp key log="$CACHE_DIR/kafka-maven.log"
  key="$(sha256sum "$KAFKA_POM" | cut -c1-16)"
  stamp="$libs_dir/.complete-$key"
  KAFKA_LIBS="$libs_dir/libs"
  if [[ -f "$stamp" ]]; then ok "Kafka $KAFKA_VERSION jars cached"; return; fi
  command -v java > /dev/null || fail "java not found (Kafka $KAFKA_VERSION needs Java 17+)." "" "apt-get install -y openjdk-17-jre-headless"
  command -v mvn > /dev/null || fail "mvn not found (used to fetch Kafka from Maven Central)." "" "apt-get install -y maven"
  step "Fetching Kafka $KAFKA_VERSION jars from Maven Central (first run only; log: $log)"
  rm -rf "$libs_dir" "$libs_dir.tmp"
  mkdir -p "$libs_dir.tmp"
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$libs_dir.tmp/libs" > "$log" 2>&1; then
    rm -rf "$libs_dir.tmp"
    fail "Maven could not fetch Kafka $KAFKA_VERSION." "$log" "check access to Maven Central and ~/.m2/settings.xml, then rerun."
  fi
  ls "$libs_dir.tmp/libs"/kafka_2.13-*.jar > /dev/null 2>&1 || fail "Maven finished but kafka_2.13 jar is missing." "$log"
  mv "$libs_dir.tmp" "$libs_dir"
  touch "$stamp"
  ok "Kafka jars in $KAFKA_LIBS ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars)"
}

ensure_ferretdb_binary() {
  local key log="$CACHE_DIR/ferretdb-build.log"
  key="$(cat "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" "$FERRETDB_SRC/main.go" | sha256sum | cut -c1-16)"
  FERRETDB_BIN="$CACHE_DIR/ferretdb-$FERRETDB_VERSION-$key/demarche-ferretdb"
  if [[ -x "$FERRETDB_BIN" ]]; then ok "FerretDB $FERRETDB_VERSION binary cached"; return; fi
  command -v go > /dev/null || fail "go not found (FerretDB is built from the Go module proxy)." "" \
    "install Go 1.24 or newer and put it on PATH, then rerun."
  step "Building FerretDB $FERRETDB_VERSION with $(go env GOVERSION) (first run only, a few minutes on 2 cores; log: $log)"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  if ! (cd "$FERRETDB_SRC" && GOWORK=off CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
      go build -trimpath -o "$FERRETDB_BIN.tmp" .) > "$log" 2>&1; then
    rm -f "$FERRETDB_BIN.tmp"
    fail "building FerretDB $FERRETDB_VERSION failed." "$log" "check access to the Go module proxy (GOPROXY) and that Go is 1.24+, then rerun."
  fi
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  ok "built $FERRETDB_BIN"
}

# Mailpit from the Go module proxy (its web UI is embedded in the module, nothing else is fetched).
ensure_mailpit_binary() {
  local log="$CACHE_DIR/mailpit-build.log" dir="$CACHE_DIR/mailpit-$MAILPIT_VERSION"
  MAILPIT_BIN="$dir/mailpit"
  if [[ -x "$MAILPIT_BIN" ]]; then ok "Mailpit $MAILPIT_VERSION binary cached"; return; fi
  command -v go > /dev/null || fail "go not found (Mailpit is built from the Go module proxy)." "" \
    "install Go 1.24 or newer and put it on PATH, then rerun."
  step "Building Mailpit $MAILPIT_VERSION with $(go env GOVERSION) (first run only, about 2 minutes on 2 cores; log: $log)"
  rm -rf "$dir.tmp"
  if ! GOBIN="$dir.tmp" GOWORK=off CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
      go install -trimpath "github.com/axllent/mailpit@$MAILPIT_VERSION" > "$log" 2>&1; then
    rm -rf "$dir.tmp"
    fail "building Mailpit $MAILPIT_VERSION failed." "$log" "check access to the Go module proxy (GOPROXY) and that Go is 1.24+, then rerun."
  fi
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  ok "built $MAILPIT_BIN"
}

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------
start_kafka() {
  local dir="$RUN_DIR/kafka" label="Kafka $KAFKA_VERSION"
  if healthy kafka; then ok "$label already running (pid $(pid_of kafka), port $KAFKA_PORT)"; return; fi
  if pid_of kafka > /dev/null; then step "$label is starting (pid $(pid_of kafka)); waiting"; wait_healthy kafka "$label"; return; fi
  refuse_foreign_port kafka "$label"
  port_open "$KAFKA_CONTROLLER_PORT" && fail "cannot start $label: controller port 127.0.0.1:$KAFKA_CONTROLLER_PORT is already in use." "" \
    "stop what uses it, or set KAFKA_CONTROLLER_PORT=..."
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<EOF
# Generated by deploy/infra/infra.sh on each start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat > "$dir/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${sys:demarche.kafka.loglevel:-INFO}
rootLogger.appenderRef.out.ref = STDOUT
# The full configuration dumps are thousands of lines; keep them out of the log.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
EOF
  local cp="$KAFKA_LIBS/*" java_opts=(-Djava.awt.headless=true -Dlog4j2.configurationFile="$dir/log4j2.properties")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    step "Formatting Kafka storage in $dir/data (KRaft, static quorum)"
    local cluster_id
    cluster_id="$(java -cp "$cp" "${java_opts[@]}" -Ddemarche.kafka.loglevel=WARN kafka.tools.StorageTool random-uuid 2> "$dir/format.log" | tail -n1)"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || fail "could not generate a Kafka cluster id." "$dir/format.log"
    echo "$cluster_id" > "$dir/cluster.id"
    java -cp "$cp" "${java_opts[@]}" -Ddemarche.kafka.loglevel=WARN kafka.tools.StorageTool format --ignore-formatted \
        -t "$cluster_id" -c "$dir/server.properties" >> "$dir/format.log" 2>&1 ||
      fail "formatting Kafka storage failed." "$dir/format.log" "delete $dir/data and rerun."
    ok "formatted (cluster id $cluster_id)"
  fi
  step "Starting $label on 127.0.0.1:$KAFKA_PORT (controller $KAFKA_CONTROLLER_PORT; log: $dir/server.log)"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
  spawn "$dir/server.log" "$dir/kafka.pid" java $KAFKA_HEAP_OPTS -XX:+ExitOnOutOfMemoryError "${java_opts[@]}" \
    -cp "$cp" kafka.Kafka "$dir/server.properties"
  wait_healthy kafka "$label"
}

start_postgres() {
  [[ "$FERRETDB_HANDLER" == postgresql ]] || return 0
  local dir bin label log
  dir="$(pg_dir)"; bin="$(pg_bin)"; log="$dir/postgres.log"
  [[ -n "$bin" ]] || fail "no PostgreSQL server found under /usr/lib/postgresql." "" "apt-get install -y postgresql, or run with FERRETDB_HANDLER=sqlite."
  label="PostgreSQL $("$bin/postgres" --version | awk '{ print $3 }') (FerretDB's storage)"
  if healthy postgres; then ok "$label already running (pid $(pid_of postgres), port $POSTGRES_PORT)"; equality_indexes; return; fi
  refuse_foreign_port postgres "$label"
  mkdir -p "$dir"
  (( EUID == 0 )) && chown postgres: "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    step "Creating a PostgreSQL cluster for FerretDB in $dir/data"
    pg_run "$bin/initdb" -D "$dir/data" -U ferretdb -A trust -E UTF8 --no-locale --no-sync > "$dir/initdb.log" 2>&1 ||
      fail "initdb failed." "$dir/initdb.log" "delete $dir and rerun."
  fi
  step "Starting $label on 127.0.0.1:$POSTGRES_PORT (data in $dir/data; log: $log)"
  # synchronous_commit=off: a crash of PostgreSQL itself may lose its last fraction of a
  # second; fine for development and tests, not how production MongoDB is run.
  pg_run "$bin/pg_ctl" -D "$dir/data" -l "$log" -w -t "$START_TIMEOUT" \
    -o "-p $POSTGRES_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c synchronous_commit=off -c max_connections=300" \
    start > "$dir/pg_ctl.log" 2>&1 9>&- || fail "PostgreSQL did not start." "$log" "read $log; 'bash deploy/infra/infra.sh down' and delete $dir for a clean slate."
  wait_healthy postgres "$label"
  if ! "$bin/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U ferretdb -d postgres -tAc "select 1 from pg_database where datname = 'ferretdb'" 2>> "$dir/pg_ctl.log" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$POSTGRES_PORT" -U ferretdb ferretdb 2>> "$dir/pg_ctl.log" || fail "could not create the 'ferretdb' database." "$dir/pg_ctl.log"
  fi
  equality_indexes
}

# FerretDB's equalities are `_jsonb->'field' @> value`, which its own b-tree indexes cannot
# serve: postgres/equality-indexes.sql gives each of them a GIN twin that can (see the file).
equality_indexes() {
  local dir; dir="$(pg_dir)"
  "$(pg_bin)/psql" -h 127.0.0.1 -p "$POSTGRES_PORT" -U ferretdb -d ferretdb -v ON_ERROR_STOP=1 -qAt \
    -f "$SCRIPT_DIR/postgres/equality-indexes.sql" > "$dir/equality-indexes.log" 2>&1 ||
    fail "could not install the equality indexes for FerretDB in PostgreSQL." "$dir/equality-indexes.log"
}

start_mongo() {
  local dir="$RUN_DIR/mongo" label="FerretDB $FERRETDB_VERSION" storage
  if healthy mongo; then ok "$label already running (pid $(pid_of mongo), port $MONGO_PORT)"; return; fi
  if pid_of mongo > /dev/null; then step "$label is starting (pid $(pid_of mongo)); waiting"; wait_healthy mongo "$label"; return; fi
  refuse_foreign_port mongo "$label"
  mkdir -p "$dir/data"
  if [[ "$FERRETDB_HANDLER" == postgresql ]]; then
    storage=(-handler postgresql -postgresql-url "postgres://ferretdb@127.0.0.1:$POSTGRES_PORT/ferretdb?pool_max_conns=${FERRETDB_PG_POOL:-200}")
    step "Starting $label (MongoDB wire protocol, on PostgreSQL port $POSTGRES_PORT) on 127.0.0.1:$MONGO_PORT (log: $dir/ferretdb.log)"
  else
    storage=(-handler sqlite -data-dir "$dir/data")
    step "Starting $label (MongoDB wire protocol, SQLite in $dir/data) on 127.0.0.1:$MONGO_PORT (log: $dir/ferretdb.log)"
  fi
  # GOGC: FerretDB decodes every document it reads into short-lived Go objects, and with Go's
  # default (100) the collector took a quarter to a third of its CPU in the bench's profiles.
  spawn "$dir/ferretdb.log" "$dir/ferretdb.pid" env GOGC="$FERRETDB_GOGC" "$FERRETDB_BIN" -listen-addr "127.0.0.1:$MONGO_PORT" \
    "${storage[@]}" -log-level "$FERRETDB_LOG_LEVEL"
  wait_healthy mongo "$label"
}

start_redis() {
  local dir="$RUN_DIR/redis" label
  label="Redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')"
  if healthy redis; then ok "$label already running (pid $(pid_of redis), port $REDIS_PORT)"; return; fi
  if pid_of redis > /dev/null; then step "$label is starting (pid $(pid_of redis)); waiting"; wait_healthy redis "$label"; return; fi
  refuse_foreign_port redis "$label"
  mkdir -p "$dir/data"
  if [[ -f "$dir/redis.log" ]]; then mv -f "$dir/redis.log" "$dir/redis.log.1"; fi
  rm -f "$dir/redis.pid"
  step "Starting $label on 127.0.0.1:$REDIS_PORT (appendonly, data in $dir/data; log: $dir/redis.log)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir/data" \
      --appendonly yes --appendfsync everysec --save '' > "$dir/redis.start.log" 2>&1 9>&- ||
    fail "redis-server refused to start." "$dir/redis.start.log" "read $dir/redis.log too."
  # the daemon writes its pidfile just after forking
  for _ in $(seq 50); do pid_of redis > /dev/null && break; sleep 0.1; done
  wait_healthy redis "$label"
}

# Mailpit keeps the mail in memory: a restart (a fault test's) empties the mailbox.
start_mail() {
  local dir="$RUN_DIR/mail" label="Mailpit $MAILPIT_VERSION"
  if healthy mail; then ok "$label already running (pid $(pid_of mail), SMTP $SMTP_PORT, HTTP $MAILPIT_HTTP_PORT)"; return; fi
  if pid_of mail > /dev/null; then step "$label is starting (pid $(pid_of mail)); waiting"; wait_healthy mail "$label"; return; fi
  refuse_foreign_port mail "$label"
  port_open "$MAILPIT_HTTP_PORT" && fail "cannot start $label: HTTP port 127.0.0.1:$MAILPIT_HTTP_PORT is already in use." "" \
    "stop what uses it, or set MAILPIT_HTTP_PORT=..."
  mkdir -p "$dir"
  step "Starting $label: SMTP on 127.0.0.1:$SMTP_PORT, HTTP API on 127.0.0.1:$MAILPIT_HTTP_PORT (log: $dir/mailpit.log)"
  # --disable-version-check: there is no network to ask for a newer release.
  spawn "$dir/mailpit.log" "$dir/mailpit.pid" "$MAILPIT_BIN" --smtp "127.0.0.1:$SMTP_PORT" --listen "127.0.0.1:$MAILPIT_HTTP_PORT" \
    --smtp-auth-accept-any --smtp-auth-allow-insecure --max 5000 --disable-version-check
  wait_healthy mail "$label"
}

stop_service() {
  local svc="$1" label="$2" pid port
  port="$(port_of "$svc")"
  if ! pid="$(pid_of "$svc")"; then
    if port_open "$port"; then warn "$label: not started by this script, but port $port is in use; left alone."
    else ok "$label not running"; fi
    return 0
  fi
  step "Stopping $label (pid $pid)"
  if [[ "$svc" == postgres ]]; then
    pg_run "$(pg_bin)/pg_ctl" -D "$(pg_dir)/data" -m fast -w stop > /dev/null 2>&1 || warn "pg_ctl stop failed; see $(log_of postgres)"
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= 45 )); then
      warn "$label did not stop within 45 s; killing it (see $(log_of "$svc"))"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.3
  done
  case "$svc" in
    kafka) rm -f "$RUN_DIR/kafka/kafka.pid" ;; mongo) rm -f "$RUN_DIR/mongo/ferretdb.pid" ;; redis) rm -f "$RUN_DIR/redis/redis.pid" ;;
    mail) rm -f "$RUN_DIR/mail/mailpit.pid" ;;
  esac
  ok "$label stopped ($(( SECONDS - start )) s)"
}

print_status() {
  local all=0 svc pid port state version
  local services=(kafka mongo redis mail)
  [[ "$FERRETDB_HANDLER" == postgresql ]] && services+=(postgres)
  for svc in "${services[@]}"; do
    port="$(port_of "$svc")"
    case "$svc" in
      postgres) version="PostgreSQL" ;;
      kafka) version="Kafka $KAFKA_VERSION" ;;
      mongo) version="FerretDB $FERRETDB_VERSION" ;;
      redis) version="Redis" ;;
      mail) version="Mailpit $MAILPIT_VERSION" ;;
    esac
    if healthy "$svc"; then
      pid="$(pid_of "$svc")"; state="${G}up${N}  "
      printf '%-6s %s 127.0.0.1:%-6s %-16s pid %-8s log %s\n' "$svc" "$state" "$port" "$version" "$pid" "$(log_of "$svc")"
    else
      all=1
      if pid="$(pid_of "$svc")"; then state="${Y}starting/unhealthy${N} (pid $pid)"
      elif port_open "$port"; then state="${Y}port busy, not ours${N}"
      else state="${R}down${N}"; fi
      printf '%-6s %s 127.0.0.1:%-6s %-16s log %s\n' "$svc" "$state" "$port" "$version" "$(log_of "$svc")"
    fi
  done
  return $all
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
usage() { echo "usage: bash deploy/infra/infra.sh up|down|status|stop SERVICE|start SERVICE  (SERVICE: kafka, mongo, redis or mail)" >&2; exit 2; }

# One service by name, for fault tests and by hand: kafka, mongo (FerretDB), redis or mail (Mailpit).
one_service() {
  case "$1" in
    kafka) ensure_kafka_libs > /dev/null; echo "Kafka $KAFKA_VERSION" ;;
    mongo) ensure_ferretdb_binary > /dev/null; echo "FerretDB $FERRETDB_VERSION" ;;
    redis) echo "Redis" ;;
    mail) ensure_mailpit_binary > /dev/null; echo "Mailpit $MAILPIT_VERSION" ;;
    *) usage ;;
  esac
}

lock() {
  mkdir -p "$CACHE_DIR" "$RUN_DIR"
  exec 9> "$INFRA_HOME/.lock"
  # Servers are started with fd 9 closed, so only a running infra.sh holds this lock.
  command -v flock > /dev/null || return 0
  flock -n 9 && return 0
  step "Another infra.sh is running (lock $INFRA_HOME/.lock); waiting for it"
  if ! flock -w 900 9; then
    fail "another 'infra.sh' is still running after 15 minutes (lock $INFRA_HOME/.lock)." "" "wait for it, or kill it."
  fi
}

cmd="${1:-}"
case "$cmd" in
  up)
    lock
    started=$SECONDS
    step "Demarche local infrastructure (Kafka $KAFKA_VERSION, FerretDB $FERRETDB_VERSION, Redis) in $INFRA_HOME"
    step "Checking prerequisites"
    ensure_apt_packages
    ensure_kafka_libs
    ensure_ferretdb_binary
    ensure_mailpit_binary
    start_redis
    start_postgres
    start_mongo
    start_kafka
    start_mail
    step "All services up in $(( SECONDS - started )) s: kafka 127.0.0.1:$KAFKA_PORT, mongodb://127.0.0.1:$MONGO_PORT, redis://127.0.0.1:$REDIS_PORT, smtp://127.0.0.1:$SMTP_PORT (mail read back at http://127.0.0.1:$MAILPIT_HTTP_PORT)"
    ;;
  down)
    lock
    stop_service kafka "Kafka $KAFKA_VERSION"
    stop_service mongo "FerretDB $FERRETDB_VERSION"
    [[ "$FERRETDB_HANDLER" == postgresql ]] && stop_service postgres "PostgreSQL (FerretDB's storage)"
    stop_service redis "Redis"
    stop_service mail "Mailpit $MAILPIT_VERSION"
    step "All services stopped (data kept in $RUN_DIR; delete it for a clean slate)"
    ;;
  stop)
    lock
    label="$(one_service "${2:-}")"
    stop_service "$2" "$label"
    ;;
  start)
    lock
    one_service "${2:-}" > /dev/null
    case "$2" in kafka) start_kafka ;; mongo) start_postgres; start_mongo ;; redis) start_redis ;; mail) ensure_mailpit_binary > /dev/null; start_mail ;; esac
    ;;
  status)
    if command -v kcat > /dev/null && command -v redis-cli > /dev/null; then
      print_status || exit 1
    else
      echo "kcat/redis-cli not installed yet: run 'bash deploy/infra/infra.sh up'" >&2
      exit 1
    fi
    ;;
  *) usage ;;
esac
