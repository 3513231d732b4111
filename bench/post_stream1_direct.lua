-- wrk script: the same one-chunk streamed request sent straight to the fake provider.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"stream;chunks=1","stream":true,"messages":[{"role":"user","content":"Say hello."}]}'
