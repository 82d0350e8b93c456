-- binarytrees.lua — the Benchmarks Game binary-trees: allocate and walk many complete binary
-- trees. A node is a table {left, right}; a leaf is an empty table.
-- Peer of examples/bench/binarytrees.sasm.
local function make(depth)
  if depth > 0 then
    depth = depth - 1
    return { make(depth), make(depth) }
  end
  return {}
end

-- Number of nodes in the tree.
local function check(t)
  if t[1] then return 1 + check(t[1]) + check(t[2]) end
  return 1
end

local n = tonumber(arg and arg[1]) or 10
local min_depth = 4
local max_depth = math.max(min_depth + 2, n)

io.write(string.format("stretch tree of depth %d\t check: %d\n", max_depth + 1,
                       check(make(max_depth + 1))))

local long_lived = make(max_depth)
for d = min_depth, max_depth, 2 do
  local iterations = 2 ^ (max_depth - d + min_depth)
  local sum = 0
  for _ = 1, iterations do sum = sum + check(make(d)) end
  io.write(string.format("%d\t trees of depth %d\t check: %d\n", iterations, d, sum))
end
io.write(string.format("long lived tree of depth %d\t check: %d\n", max_depth, check(long_lived)))
