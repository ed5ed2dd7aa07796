#!/usr/bin/env bash
# A Spark standalone cluster on this machine (one master, two workers) with a Spark Connect server in front,
# started with the scripts that ship in the pyspark package (sbin/spark-daemon.sh): what `make test-spark`
# runs the named queries on. Usage: deploy/spark/cluster.sh start|stop [PYTHON]
#   SPARK_RUN_DIR (default /tmp/ccdash-spark) holds logs and pids; CONNECT_PORT (15002), MASTER_PORT (7077).
set -euo pipefail
action=${1:?start or stop}
python=${2:-python3}
SPARK_HOME=$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME
export SPARK_RUN_DIR=${SPARK_RUN_DIR:-/tmp/ccdash-spark}
export SPARK_LOG_DIR=$SPARK_RUN_DIR/logs SPARK_PID_DIR=$SPARK_RUN_DIR/pids SPARK_WORKER_DIR=$SPARK_RUN_DIR/work
export SPARK_LOCAL_IP=127.0.0.1
export PYSPARK_PYTHON=$python
MASTER_PORT=${MASTER_PORT:-7077} CONNECT_PORT=${CONNECT_PORT:-15002}
master=spark://127.0.0.1:$MASTER_PORT
daemon="$SPARK_HOME/sbin/spark-daemon.sh"

case $action in
start)
  "$0" stop "$python" >/dev/null 2>&1 || true  # a cluster left running from this folder
  mkdir -p "$SPARK_LOG_DIR" "$SPARK_PID_DIR" "$SPARK_WORKER_DIR"
  "$daemon" start org.apache.spark.deploy.master.Master 1 --host 127.0.0.1 --port "$MASTER_PORT" --webui-port 0
  for i in 1 2; do
    "$daemon" start org.apache.spark.deploy.worker.Worker "$i" --host 127.0.0.1 --cores 1 --memory 1g \
      --webui-port 0 "$master"
  done
  "$daemon" submit org.apache.spark.sql.connect.service.SparkConnectServer 1 --name "ccdash Spark Connect" \
    --master "$master" --driver-memory 1g --conf spark.executor.memory=768m --conf spark.cores.max=2 \
    --conf spark.connect.grpc.binding.port="$CONNECT_PORT" --conf spark.ui.enabled=false \
    --conf spark.sql.session.timeZone=UTC
  # Ready when the Connect server answers a query through both workers' executors.
  for _ in $(seq 1 120); do
    if "$python" - "$CONNECT_PORT" <<'PY' 2>/dev/null; then
import sys
from pyspark.sql import SparkSession
s = SparkSession.builder.remote(f"sc://127.0.0.1:{sys.argv[1]}").getOrCreate()
assert s.range(1000).repartition(4).count() == 1000
PY
      echo "spark: master $master, 2 workers, Connect on sc://127.0.0.1:$CONNECT_PORT (logs: $SPARK_LOG_DIR)"
      exit 0
    fi
    sleep 2
  done
  echo "spark: the Connect server did not answer within 240 s; see $SPARK_LOG_DIR" >&2
  tail -n 30 "$SPARK_LOG_DIR"/*.out >&2 || true
  exit 1
  ;;
stop)
  "$daemon" stop org.apache.spark.sql.connect.service.SparkConnectServer 1 || true
  for i in 1 2; do "$daemon" stop org.apache.spark.deploy.worker.Worker "$i" || true; done
  "$daemon" stop org.apache.spark.deploy.master.Master 1 || true
  ;;
*)
  echo "usage: $0 start|stop [PYTHON]" >&2; exit 2 ;;
esac
