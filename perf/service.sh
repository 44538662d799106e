# Sourced by the perf/ scripts: the service they measure, and where it runs.

# perf_pod_create: a network namespace standing for a pod (sockeye-perf-pod), reached from
# outside over a veth pair, as a client in another pod would reach it. Sets NS, ADDR (the
# service's address inside) and IN_POD (the prefix that runs a command inside); the caller
# deletes NS. Without it, ADDR is 127.0.0.1 and IN_POD is empty.
NS= # not one from the environment: the callers' traps delete NS when it is set
ADDR=127.0.0.1
IN_POD=()
perf_pod_create() {
	NS=sockeye-perf-pod
	ADDR=10.231.0.2
	ip netns del $NS 2>/dev/null || true
	ip link del sockeye-perf0 2>/dev/null || true
	ip netns add $NS
	ip link add sockeye-perf0 type veth peer name eth0 netns $NS
	ip addr add 10.231.0.1/24 dev sockeye-perf0
	ip link set sockeye-perf0 up
	ip -n $NS addr add $ADDR/24 dev eth0
	ip -n $NS link set eth0 up
	ip -n $NS link set lo up
	IN_POD=(ip netns exec $NS)
}

# perf_nginx_start DIR PORT ACCESS_LOG [TLS]: nginx in the background (in the pod, if one
# was created), one worker on ADDR:PORT answering "ok\n" to every request over keep-alive
# connections, its files in DIR, its access log at ACCESS_LOG ("off": none); TLS=1: over TLS
# 1.3, with a self-signed certificate made in DIR. Sets nginx_pid; the caller stops it.
perf_nginx_start() {
	local dir=$1 port=$2 access_log=$3 tls=${4:-0} ssl=""
	if [ "$tls" = 1 ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
		ssl="ssl; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem"
	fi
	cat >"$dir/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 1; pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http { access_log $access_log; keepalive_requests 1000000;
  server { listen $ADDR:$port $ssl; location / { return 200 "ok\n"; } } }
CONF
	"${IN_POD[@]}" nginx -c "$dir/nginx.conf" -p "$dir" &
	nginx_pid=$!
	sleep 0.5
}
