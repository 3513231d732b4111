-- wrk script: one small OpenAI chat request per call.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"auto","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32}'
