-- One wrk script for every benchmark, driven by environment variables set by bench/bench.py:
--   BENCH_MODE   fixed (one request over and over) | cycle (key lend + return)
--   BENCH_METHOD, BENCH_PATH, BENCH_BODY, BENCH_TOKEN   the fixed request
--   BENCH_KEYS (comma-separated key ids), BENCH_THREADS, BENCH_LEND_BODY (with %s for key_id)
-- done() prints one machine-readable line: BENCH {...}.

local mode = os.getenv("BENCH_MODE") or "fixed"
local token = os.getenv("BENCH_TOKEN")
local next_tid = 0

setup = function(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

init = function(args)
  headers = { ["Content-Type"] = "application/json" }
  if token and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  if mode == "cycle" then
    -- Each thread owns a disjoint slice of the keys: free ones are lent, lent ones returned.
    free, returns, stalls = {}, {}, 0
    local nthreads = tonumber(os.getenv("BENCH_THREADS"))
    local i = 0
    for k in string.gmatch(os.getenv("BENCH_KEYS"), "%d+") do
      if i % nthreads == tid then table.insert(free, k) end
      i = i + 1
    end
    lend_body = os.getenv("BENCH_LEND_BODY")
  else
    local body = os.getenv("BENCH_BODY")
    if body == "" then body = nil end
    fixed = wrk.format(os.getenv("BENCH_METHOD") or "GET", os.getenv("BENCH_PATH"), headers, body)
  end
end

request = function()
  if mode ~= "cycle" then
    return fixed
  end
  local loan = table.remove(returns)
  if loan then
    return wrk.format("POST", "/api/v1/key-loans/" .. loan .. "/return", headers, '{"returned_quantity":1}')
  end
  local key = table.remove(free, 1)
  if key == nil then
    -- Every key of this thread is out; should not happen with enough keys (counted).
    stalls = stalls + 1
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/api/v1/key-loans", headers, string.format(lend_body, key))
end

if mode == "cycle" then
  response = function(status, hdrs, body)
    if status ~= 200 and status ~= 201 then return end
    if string.find(body, '"open":true', 1, true) then
      table.insert(returns, string.match(body, '"id":(%d+)'))
    elseif string.find(body, '"open":false', 1, true) then
      table.insert(free, string.match(body, '"key_id":(%d+)'))
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"non_2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
