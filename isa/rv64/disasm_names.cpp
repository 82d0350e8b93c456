// Register, CSR and rounding-mode names for the disassembler.
#include <algorithm>
#include <charconv>
#include <iterator>

#include "isa/rv64/disasm.hpp"

namespace strata::isa::rv64 {
namespace {

constexpr std::string_view kXNames[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                          "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                          "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                          "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
constexpr std::string_view kFNames[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1", "fa0",
    "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4", "fs5",
    "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
constexpr std::string_view kRmNames[8] = {"rne", "rtz",     "rdn",     "rup",
                                          "rmm", "unknown", "unknown", "dyn"};

struct CsrName {
  uint16_t number;
  std::string_view name;
};
constexpr CsrName kCsrNames[] = {
#include "isa/rv64/csr_names.inc"
};
static_assert(std::is_sorted(std::begin(kCsrNames), std::end(kCsrNames),
                             [](const CsrName& a, const CsrName& b) {
                               return a.number < b.number;
                             }));

}  // namespace

std::string_view x_reg_name(unsigned reg) {
  return kXNames[reg & 31];
}
std::string_view f_reg_name(unsigned reg) {
  return kFNames[reg & 31];
}
std::optional<RegName> parse_reg_name(std::string_view name) {
  if (name == "fp") return RegName{false, 8};
  // "x12", "f3": no leading zero ("x05" is nobody's name), at most 31.
  if (name.size() >= 2 && name.size() <= 3 && (name[0] == 'x' || name[0] == 'f') &&
      !(name.size() == 3 && name[1] == '0')) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), v);
    if (ec == std::errc() && p == name.data() + name.size() && v <= 31)
      return RegName{name[0] == 'f', v};
  }
  for (unsigned i = 0; i < 32; ++i) {
    if (kXNames[i] == name) return RegName{false, i};
    if (kFNames[i] == name) return RegName{true, i};
  }
  return std::nullopt;
}

std::string_view rm_name(unsigned rm) {
  return kRmNames[rm & 7];
}

std::string_view csr_name(uint16_t csr) {
  const auto* it = std::lower_bound(std::begin(kCsrNames), std::end(kCsrNames), csr,
                                    [](const CsrName& c, uint16_t n) { return c.number < n; });
  return it != std::end(kCsrNames) && it->number == csr ? it->name : std::string_view{};
}

}  // namespace strata::isa::rv64
