-- The soak mix (bench/soak.sh): `env.lua` in the working directory holds the signatures
-- of 32 customers and of the salesperson whose card they visit.
dofile("env.lua")
local function mix(cs)
  return {
    -- weight, method, path, body
    {3, "GET", "/zhugeleida/xiaochengxu/mingpian?" .. cs .. "&uid=" .. uid},
    {2, "POST", "/zhugeleida/xiaochengxu/chat/send_msg/0?" .. cs,
        "u_id=" .. uid .. "&content=%7B%22info_type%22%3A1%2C%22msg%22%3A%22soak%22%7D"},
    {2, "GET", "/zhugeleida/xiaochengxu/chat/getmsg/0?" .. cs .. "&u_id=" .. uid},
    {2, "GET", "/zhugeleida/xiaochengxu/mingpian/all?" .. cs},
    {2, "GET", "/zhugeleida/xiaochengxu/product/product_list?" .. cs .. "&uid=" .. uid},
    {1, "GET", "/zhugeleida/xiaochengxu/chat?" .. cs .. "&u_id=" .. uid},
    {1, "GET", "/zhugeleida/qiyeweixin/user?" .. employee_sig},
    {1, "GET", "/api/user/tag/list"},
    {1, "GET", "/healthz"},
  }
end
local requests = {}
for _, cs in ipairs(customer_sigs) do
  for _, m in ipairs(mix(cs)) do
    local headers = {}
    if m[4] then headers["Content-Type"] = "application/x-www-form-urlencoded" end
    local req = wrk.format(m[2], m[3], headers, m[4])
    for _ = 1, m[1] do requests[#requests + 1] = req end
  end
end
-- Each thread starts at its own offset so the two threads do not move in step.
local i = math.random(#requests)
request = function()
  i = i % #requests + 1
  return requests[i]
end
