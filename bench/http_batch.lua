-- wrk: POST batches of 1,000 NDJSON events per request (bench/http_bench.sh).
wrk.method = "POST"
wrk.path = "/api/log"
wrk.headers["Content-Type"] = "application/x-ndjson"
local lines = {}
for i = 1, 1000 do
  lines[i] = string.format('{"unix_ts":%d,"user_id":%d,"event_name":"%s"}',
                           1684129671 + math.floor(i / 100), (i * 7919) % 1000003 + 1,
                           i % 2 == 0 and "login" or "logout")
end
wrk.body = table.concat(lines, "\n") .. "\n"
