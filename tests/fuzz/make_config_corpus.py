#!/usr/bin/env python3
"""Write the seed corpus of fuzz_config (tests/fuzz/corpus/config/).

Each seed is in the input layout documented in fuzz_config.c: which variables are set, what
the command line gave, a buffer size, the current time, then NUL-separated fields (the
variables' values in order, the host name, then more strings for the parsers alone).
Re-run after changing the layout: python3 tests/fuzz/make_config_corpus.py
Inputs the fuzzer found a bug with are added to the directory by hand, named crash-<what>.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "config")

VARS = ["endpoint", "headers", "compression", "timeout", "temporality", "resource",
        "service", "pod", "namespace"]
GIVEN_COMPRESSION, GIVEN_TIMEOUT, GIVEN_TEMPORALITY = 1, 2, 4
NOW = 1445412480  # Wed, 21 Oct 2015 07:28:00 GMT


def seed(host=None, given=0, endpoint_flag=False, header_flag=False, stdout_flag=False,
         cap=255, now=NOW, extra=(), **values):
    """values: the variables set, by the names of VARS; extra: more fields for the parsers."""
    set_bits = 0
    fields = []
    for i, name in enumerate(VARS):
        v = values.get(name)
        if v is not None:
            set_bits |= 1 << i
        fields.append(v if v is not None else "")
    fields.append(host if host is not None else "")
    fields.extend(extra)
    more = (set_bits >> 8 & 1) | int(host is not None) << 1 | given << 2 \
        | int(endpoint_flag) << 5 | int(header_flag) << 6 | int(stdout_flag) << 7
    blob = bytes([set_bits & 0xFF, more, cap - 1]) + struct.pack("<I", now)
    return blob + b"\0".join(f.encode("latin-1") if isinstance(f, str) else f for f in fields)


SEEDS = {
    "all_valid": seed(endpoint="http://collector:4318", headers="api-key=secret,X-Team=core",
                      compression="gzip", timeout="10000", temporality="delta",
                      resource="deployment.environment=prod,team=core", service="checkout",
                      pod="web-7d9f-abcde", namespace="shop", host="node-1"),
    "https_lowmemory": seed(endpoint="https://otel.example.com", temporality="LowMemory",
                            compression="none", timeout="1"),
    "flags_win": seed(given=GIVEN_COMPRESSION | GIVEN_TIMEOUT | GIVEN_TEMPORALITY,
                      endpoint_flag=True, header_flag=True, stdout_flag=True,
                      endpoint="http://env:4318", headers="x-given=by-env,b=2",
                      compression="bogus", timeout="nope", temporality="bogus"),
    "bad_endpoint": seed(endpoint="ftp://x"),
    "long_endpoint": seed(endpoint="http://" + "h" * 600),
    "headers_percent": seed(headers="Authorization=Bearer%20abc%3D%3D,x-b=%2C%3D,,x-c= spaced"),
    "headers_crlf": seed(headers="x-a=1%0D%0AInjected: yes"),
    "headers_lf_trimmed": seed(headers="x-a=%0D%0Avalue"),
    "headers_bad_name": seed(headers="bad name=v,x(y)=1"),
    "headers_bad_escape": seed(headers="x=%zz"),
    "headers_too_many": seed(headers=",".join(f"h{i}={i}" for i in range(20))),
    "headers_long": seed(headers="x=" + "v" * 600),
    "headers_nul": seed(headers="x=a%00b"),
    "timeout_bounds": seed(timeout="300000", extra=["300001", "0", "18446744073709551616"]),
    "temporality_bad": seed(temporality="sometimes"),
    "resource_percent": seed(resource=" a = x%20y ,list=a%2Cb,pct=100%25,eq=a=b,empty=,=v,k"),
    "resource_bad_utf8": seed(resource="team=caf%C3%A9,bytes=%FF%FE,cut=x%E2%82,raw=\xc0\xaf,"
                                       "k\xff=v,sur=%ED%A0%80", host="host\x80"),
    "resource_long": seed(resource="long=" + "%FF" * 100 + ",key" + "k" * 130 + "=v,ok=1"),
    "resource_many": seed(resource=",".join(f"k{i}=v{i}" for i in range(40)),
                          service="svc", pod="p", namespace="n", host="h"),
    "resource_repeat": seed(resource="k=1,k=2,service.name=from-attrs,k=3"),
    "service_bad_utf8": seed(service="svc\xf4\x90\x80\x80", pod="pod-\xed\xa0\x80",
                             namespace="\xe0\x80\x80"),
    "retry_after": seed(extra=["120", " 5 ", "-1", "99999999999999999999",
                               "Wed, 21 Oct 2015 07:30:00 GMT", "Sun Nov  6 08:49:37 1994",
                               "Sunday, 06-Nov-94 08:49:37 GMT", "later", "0x10", "+3"]),
    "ports_sizes": seed(extra=["80,443,8000-8010", "0", "65536", "1-65535", "5-3", "80,",
                               "64K", "1G", "4m", "18446744073709551615K", "12x", ""]),
    "header_direct": seed(cap=8, extra=["Name=value", "  N  =  v", "=v", "N=", "N=a\rb",
                                        "N=\r\nX: y", "%41=1"]),
    "percent_direct": seed(cap=4, extra=["%41%42%43", "%4", "%", "ab%", "abcd", "%zz"]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, blob in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(blob)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
