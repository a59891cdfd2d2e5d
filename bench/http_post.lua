-- wrk: POST one event per request on keep-alive connections (bench/http_bench.sh).
wrk.method = "POST"
wrk.path = "/api/log"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"unix_ts":1684129671,"user_id":123456,"event_name":"login"}'
