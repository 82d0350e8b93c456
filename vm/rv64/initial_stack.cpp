// Builds the initial stack image; see initial_stack.hpp for the layout.
#include "vm/rv64/initial_stack.hpp"

#include <cstring>

namespace strata::vm::rv64 {
namespace {

// splitmix64: a deterministic byte source for AT_RANDOM.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void put64(std::vector<uint8_t>& out, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

Result<StackImage> build_initial_stack(const StackParams& p) {
  const std::string& execfn = p.execfn.empty() && !p.argv.empty() ? p.argv[0] : p.execfn;
  // Sizes first; each addition is bounded by max_size, so nothing overflows.
  uint64_t strings = execfn.size() + 1;
  for (const auto* list : {&p.argv, &p.envp})
    for (const std::string& s : *list) {
      strings += s.size() + 1;
      if (strings > p.max_size) return fail("initial stack: argument list too long");
    }
  constexpr uint64_t kAuxPairs = 17;  // 16 entries + AT_NULL
  uint64_t words = 1 + (p.argv.size() + 1) + (p.envp.size() + 1) + 2 * kAuxPairs;
  // Upper bound of the image: strings, random bytes, pointers, two alignment paddings.
  uint64_t bound = strings + 16 + 8 * words + 32;
  if (bound > p.max_size) return fail("initial stack: argument list too long");
  if (bound > p.stack_top)
    return fail("initial stack: {} bytes do not fit below {:#x}", bound, p.stack_top);
  uint64_t strings_low = p.stack_top - strings;
  uint64_t random_addr = (strings_low - 16) & ~uint64_t{15};
  uint64_t sp = (random_addr - 8 * words) & ~uint64_t{15};

  StackImage img;
  img.sp = sp;
  img.bytes.assign(static_cast<size_t>(p.stack_top - sp), 0);
  auto at = [&](uint64_t addr) { return static_cast<size_t>(addr - sp); };

  // Strings: argv, envp, execfn, upwards from strings_low.
  uint64_t cursor = strings_low;
  auto place = [&](const std::string& s) {
    std::memcpy(img.bytes.data() + at(cursor), s.data(), s.size());  // NUL already zero
    uint64_t addr = cursor;
    cursor += s.size() + 1;
    return addr;
  };
  size_t w = at(sp);
  auto word = [&](uint64_t v) {
    put64(img.bytes, w, v);
    w += 8;
  };
  std::vector<uint64_t> argv_addrs, envp_addrs;
  for (const std::string& s : p.argv) argv_addrs.push_back(place(s));
  for (const std::string& s : p.envp) envp_addrs.push_back(place(s));
  uint64_t execfn_addr = place(execfn);

  uint64_t seed = p.random_seed;
  put64(img.bytes, at(random_addr), splitmix64(seed));
  put64(img.bytes, at(random_addr) + 8, splitmix64(seed));

  word(p.argv.size());
  for (uint64_t a : argv_addrs) word(a);
  word(0);
  for (uint64_t a : envp_addrs) word(a);
  word(0);
  const uint64_t aux[kAuxPairs][2] = {
      {kAtHwcap, kHwcapRv64gc}, {kAtPagesz, 4096},   {kAtClktck, 100},
      {kAtPhdr, p.phdr},        {kAtPhent, p.phent}, {kAtPhnum, p.phnum},
      {kAtBase, p.base},        {kAtFlags, 0},       {kAtEntry, p.entry},
      {kAtUid, p.uid},          {kAtEuid, p.uid},    {kAtGid, p.gid},
      {kAtEgid, p.gid},         {kAtSecure, 0},      {kAtRandom, random_addr},
      {kAtExecfn, execfn_addr}, {kAtNull, 0},
  };
  for (const auto& pair : aux) {
    word(pair[0]);
    word(pair[1]);
  }
  return img;
}

}  // namespace strata::vm::rv64
