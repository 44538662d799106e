#!/usr/bin/env python3
"""Write the seed corpus of fuzz_http_request (tests/fuzz/corpus/http_request/).

Each seed is what a client sends to sockeye's endpoint (--listen): the heads of Prometheus'
scrapes, kubelet's probes and curl, HEAD and other methods, queries, Accept headers that
prefer either format, and malformed heads (no version, bare LF, a missing target).
Re-run after changing the seeds: python3 tests/fuzz/make_http_request_corpus.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "http_request")

PROMETHEUS = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")

SEEDS = {
    "prometheus_scrape": "GET /metrics HTTP/1.1\r\nHost: 10.0.0.7:9464\r\nUser-Agent: "
                         "Prometheus/2.42.0\r\nAccept: " + PROMETHEUS + "\r\nAccept-Encoding: "
                         "gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
    "kubelet_readyz": "GET /readyz HTTP/1.1\r\nHost: 10.0.0.7:9464\r\nUser-Agent: "
                      "kube-probe/1.33\r\nAccept: */*\r\nConnection: close\r\n\r\n",
    "curl_healthz": "GET /healthz HTTP/1.1\r\nHost: localhost:9464\r\nUser-Agent: "
                    "curl/7.88.1\r\nAccept: */*\r\n\r\n",
    "head_metrics_query": "HEAD /metrics?name[]=up HTTP/1.0\r\n\r\n",
    "text_preferred": "GET /metrics HTTP/1.1\r\naccept: text/plain;version=0.0.4;q=1, "
                      "application/openmetrics-text;q=0.5\r\n\r\n",
    "post": "POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi",
    "bare_lf": "GET /readyz HTTP/1.1\nAccept: application/openmetrics-text; q=0.9\n\n",
    "no_version": "GET /readyz\r\n\r\n",
    "no_target": "GET  HTTP/1.1\r\n\r\n",
    "pipelined": "GET /healthz HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n",
    "long_path": "GET /" + "a" * 200 + " HTTP/1.1\r\n\r\n",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(text.encode())


if __name__ == "__main__":
    main()
