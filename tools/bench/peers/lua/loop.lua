-- loop.lua — an integer loop with a data-dependent branch. Peer of examples/bench/loop.sasm.
-- All values stay below 2^53, so LuaJIT's doubles give the same results as Lua 5.4's integers.
local n = tonumber(arg and arg[1]) or 1000
local s, t = 0, 1
for i = 1, n do
  t = (t * 31 + i) % 1000003
  if t % 2 == 0 then
    s = s + t
  else
    s = s - t % 17
  end
end
io.write(string.format("loopsum(%d) s=%d t=%d\n", n, s, t))
