-- wrk script for bench/scan_bench.py: POST /api/v1/scans, one scan per request.
-- wrk -s bench/scan_wrk.lua URL -- TOKEN FIRST PER TAG IDS_FILE
-- Each wrk thread scans its own run of PER volumes from V<FIRST + (thread-1)*PER>: even laps check
-- them out to workstation WS-01, odd laps return them to shelf KF-A-01, so every scan is a write.
-- Client ids are TAG-thread-n (unique per run). done() prints the status counts and percentiles and
-- writes the client id of every scan answered 201 to IDS_FILE, one per line (the durability check);
-- the first refusals of each thread are printed as they came (REFUSED status body).
local threads = {}
local count = 0

function setup(thread)
  count = count + 1
  thread:set("tid", count)
  table.insert(threads, thread)
end

function init(args)
  token, first, per, tag, ids_file = args[1], tonumber(args[2]), tonumber(args[3]), args[4], args[5]
  base = first + (tid - 1) * per
  -- wrk calls request() once in the first thread before the run, to check the script
  -- (script_verify_request): no request is sent for that call, so there the count starts at -1
  n = (tid == 1) and -1 or 0
  statuses = {}
  recorded = {}
  refusals = {}
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
end

function request()
  local i, lap = n % per, math.floor(n / per)
  n = n + 1
  local action, location = "check_out", "WS-01"
  if lap % 2 == 1 then action, location = "return", "KF-A-01" end
  local body = string.format('{"code":"V%08d","action":"%s","location":"%s","client_id":"%s-%d-%d"}',
    base + i, action, location, tag, tid, n)
  return wrk.format("POST", "/api/v1/scans", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    table.insert(recorded, body:match('"client_id":%s*"([^"]+)"'))
  elseif #refusals < 3 then
    table.insert(refusals, status .. " " .. body:sub(1, 400):gsub("\n", " "))
  end
end

function done(summary, latency, requests)
  local total = {}
  local out = io.open(threads[1]:get("ids_file"), "w")
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
    for _, id in ipairs(thread:get("recorded")) do out:write(id, "\n") end
    for _, text in ipairs(thread:get("refusals")) do io.write("REFUSED ", text, "\n") end
  end
  out:close()
  for status, n in pairs(total) do io.write(string.format("STATUS %d %d\n", status, n)) end
  -- socket errors only (an answer with a refusal status is counted above)
  io.write(string.format("ERRORS %d\n", summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
  for _, p in ipairs({50, 99}) do io.write(string.format("P%d %.3f\n", p, latency:percentile(p) / 1000)) end
end
