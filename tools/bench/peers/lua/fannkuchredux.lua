-- fannkuchredux.lua — the Benchmarks Game fannkuch-redux: for every permutation of 1..N (in the
-- order of the counting algorithm) count pancake flips until 1 is in front; print the alternating
-- checksum and the maximum. Arrays are 0-based to mirror the C and SASM versions.
-- Peer of examples/bench/fannkuchredux.sasm.
local n = tonumber(arg and arg[1]) or 7
local perm1, perm, count = {}, {}, {}
for i = 0, n - 1 do perm1[i], perm[i], count[i] = i, 0, 0 end
local r, max_flips, checksum, perm_count = n, 0, 0, 0
while true do
  -- Reset the counters below r.
  while r ~= 1 do
    count[r - 1] = r
    r = r - 1
  end
  -- Count the flips of this permutation.
  for i = 0, n - 1 do perm[i] = perm1[i] end
  local flips = 0
  local k = perm[0]
  while k ~= 0 do
    local i, j = 0, k
    while i < j do
      perm[i], perm[j] = perm[j], perm[i]
      i, j = i + 1, j - 1
    end
    flips = flips + 1
    k = perm[0]
  end
  if flips > max_flips then max_flips = flips end
  if perm_count % 2 == 0 then checksum = checksum + flips else checksum = checksum - flips end
  -- Next permutation: rotate the first r+1 elements until a counter is left.
  while true do
    if r == n then
      io.write(string.format("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips))
      return
    end
    local first = perm1[0]
    for i = 0, r - 1 do perm1[i] = perm1[i + 1] end
    perm1[r] = first
    count[r] = count[r] - 1
    if count[r] > 0 then break end
    r = r + 1
  end
  perm_count = perm_count + 1
end
