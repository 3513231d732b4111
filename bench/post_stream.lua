-- wrk script: a streamed chat request (20-chunk answer from the route's fake behaviour).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"stream-route","stream":true,"messages":[{"role":"user","content":"Say hello."}]}'
