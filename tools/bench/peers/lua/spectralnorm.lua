-- spectralnorm.lua — the Benchmarks Game spectral norm: power method on A^T A, where
-- A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1) (0-based i, j). Peer of examples/bench/spectralnorm.sasm.
local function a(i, j)
  local ij = i + j
  return 1.0 / (ij * (ij + 1) / 2 + i + 1)
end

local function mul_av(n, u, v)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do sum = sum + a(i, j) * u[j] end
    v[i] = sum
  end
end

local function mul_atv(n, u, v)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do sum = sum + a(j, i) * u[j] end
    v[i] = sum
  end
end

local function mul_atav(n, u, v, tmp)
  mul_av(n, u, tmp)
  mul_atv(n, tmp, v)
end

local n = tonumber(arg and arg[1]) or 100
local u, v, tmp = {}, {}, {}
for i = 0, n - 1 do u[i], v[i], tmp[i] = 1.0, 0.0, 0.0 end
for _ = 1, 10 do
  mul_atav(n, u, v, tmp)
  mul_atav(n, v, u, tmp)
end
local vbv, vv = 0.0, 0.0
for i = 0, n - 1 do
  vbv = vbv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
io.write(string.format("%.9f\n", math.sqrt(vbv / vv)))
