-- wrk script: the same request with the fake behaviour "ok" as model (for the fake provider and nginx).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"ok","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32}'
