-- fib.lua — naive doubly recursive Fibonacci; prints fib(N). Peer of examples/bench/fib.sasm.
-- Runs under Lua 5.4 and LuaJIT (no integer division, no bit operators).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local n = tonumber(arg and arg[1]) or 32
io.write(string.format("%d\n", fib(n)))
