-- wrk script: POSTs the invocation body in $BENCH_BODY_FILE as the Functions host would.
local file = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["X-Azure-Functions-InvocationId"] = "5e0c7a2d-9b1f-4c3e-8d6a-0f1e2d3c4b5a"
