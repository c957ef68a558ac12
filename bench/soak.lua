-- The soak mix (bench/soak.sh): `env.lua` in the working directory holds the signatures.
dofile("env.lua")
local cs, es = customer_sig, employee_sig
local mix = {
  -- weight, method, path, body
  {3, "GET", "/zhugeleida/xiaochengxu/mingpian?" .. cs .. "&uid=" .. uid},
  {2, "POST", "/zhugeleida/xiaochengxu/chat/send_msg/0?" .. cs,
      "u_id=" .. uid .. "&content=%7B%22info_type%22%3A1%2C%22msg%22%3A%22soak%22%7D"},
  {2, "GET", "/zhugeleida/xiaochengxu/chat/getmsg/0?" .. cs .. "&u_id=" .. uid},
  {2, "GET", "/zhugeleida/xiaochengxu/mingpian/all?" .. cs .. "&uid=" .. uid},
  {2, "GET", "/zhugeleida/xiaochengxu/product/product_list?" .. cs .. "&uid=" .. uid},
  {1, "GET", "/zhugeleida/xiaochengxu/chat?" .. cs .. "&u_id=" .. uid},
  {1, "GET", "/zhugeleida/qiyeweixin/user?" .. es},
  {1, "GET", "/api/user/tag/list"},
  {1, "GET", "/healthz"},
}
local requests = {}
for _, m in ipairs(mix) do
  local headers = {}
  if m[4] then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  local req = wrk.format(m[2], m[3], headers, m[4])
  for _ = 1, m[1] do requests[#requests + 1] = req end
end
local i = 0
request = function()
  i = i % #requests + 1
  return requests[i]
end
