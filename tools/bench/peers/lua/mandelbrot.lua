-- mandelbrot.lua — the Benchmarks Game mandelbrot (50 iterations, limit 2.0) for an N x N bitmap;
-- instead of writing the PBM file it prints the sum of the bytes of the bitmap body. Bits are
-- packed with arithmetic (acc * 2 + bit) since LuaJIT has no bit operators in the language.
-- Peer of examples/bench/mandelbrot.sasm.
local n = tonumber(arg and arg[1]) or 200
local sum = 0
for y = 0, n - 1 do
  local ci = 2.0 * y / n - 1.0
  local acc, bits = 0, 0
  for x = 0, n - 1 do
    local cr = 2.0 * x / n - 1.5
    local zr, zi, tr, ti = 0.0, 0.0, 0.0, 0.0
    local i = 0
    while i < 50 and tr + ti <= 4.0 do
      zi = 2.0 * zr * zi + ci
      zr = tr - ti + cr
      tr = zr * zr
      ti = zi * zi
      i = i + 1
    end
    acc = acc * 2
    if tr + ti <= 4.0 then acc = acc + 1 end
    bits = bits + 1
    if bits == 8 then
      sum = sum + acc
      acc, bits = 0, 0
    end
  end
  -- Pad the last byte of a row.
  if bits > 0 then
    for _ = bits, 7 do acc = acc * 2 end
    sum = sum + acc
  end
end
io.write(string.format("%d\n", sum))
