-- wrk script: a streamed chat request whose answer is one chunk (route stream-one), so the
-- time to its first byte is the time to its whole answer.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"stream-one","stream":true,"messages":[{"role":"user","content":"Say hello."}]}'
