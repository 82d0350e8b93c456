-- strings.lua — string keys in a hash map: m[decimal(i)] = i*i mod 1000003 for i in [0,N), then
-- sum m[decimal(i*31 mod N)] over i in [0,N). Prints "sum=S keylen=L" (L: total key length).
-- string.format("%d") rather than tostring: LuaJIT's numbers are doubles.
-- Peer of examples/bench/strings.sasm.
local format = string.format
local n = tonumber(arg and arg[1]) or 1000
local m = {}
local keylen = 0
for i = 0, n - 1 do
  local k = format("%d", i)
  m[k] = i * i % 1000003
  keylen = keylen + #k
end
local sum = 0
for i = 0, n - 1 do
  sum = sum + (m[format("%d", i * 31 % n)] or 0)
end
io.write(format("sum=%d keylen=%d\n", sum, keylen))
