"""Answer, for each case, whether urllib sends a request directly.

Input (argv[1]): JSON list of [id, no_proxy, url]. Output: JSON object
id -> "DIRECT" | "PROXY" | "ERROR <exception>". One process for all cases;
no network: ProxyHandler only rewrites the request.
"""
import json
import os
import sys
import urllib.request

cases = json.load(open(sys.argv[1], encoding="utf-8"))
for k in list(os.environ):
    if k.lower().endswith("_proxy") or k == "REQUEST_METHOD":
        del os.environ[k]
os.environ["http_proxy"] = "http://127.0.0.1:3128"
os.environ["https_proxy"] = "http://127.0.0.1:3128"
out = {}
for cid, no_proxy, url in cases:
    os.environ["no_proxy"] = no_proxy
    try:
        req = urllib.request.Request(url)
        handler = urllib.request.ProxyHandler()
        getattr(handler, req.type + "_open")(req)
        proxied = req.has_proxy() or bool(req._tunnel_host)
        out[cid] = "PROXY" if proxied else "DIRECT"
    except Exception as e:  # recorded, compared as a failure
        out[cid] = "ERROR " + type(e).__name__
json.dump(out, sys.stdout)
