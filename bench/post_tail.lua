-- wrk script: bench/post.lua's request, and at the end the latency tail wrk --latency does not
-- print (p95 ... p99.9, max), where a stall that hits a few requests in a hundred shows.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"auto","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":32}'

done = function(summary, latency, requests)
  local line = ""
  for _, p in ipairs({50, 90, 95, 97, 98, 99, 99.5, 99.9}) do
    line = line .. string.format(" p%s=%.1f", p, latency:percentile(p) / 1000)
  end
  io.write(string.format("tail (ms):%s max=%.1f\n", line, latency.max / 1000))
end
