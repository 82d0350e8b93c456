#include "jit/rv64sys/csr_text.hpp"

#include <fmt/format.h>

#include "jit/rv64sys/hart_impl.hpp"
#include "vm/rv64sys/csr_file.hpp"
#include "vm/rv64sys/traps.hpp"

namespace strata::jit::rv64sys {

namespace {

using namespace vm::rv64sys;

std::string_view mode_letter(std::uint64_t mode) {
  switch (mode) {
    case 0: return "U";
    case 1: return "S";
    case 3: return "M";
    default: return "?";
  }
}

std::string satp_text(std::uint64_t v) {
  const std::uint64_t mode = v >> 60;
  const std::uint64_t ppn = v & ((1ull << 44) - 1);
  std::string_view name;
  switch (mode) {
    case 0: return "Bare (no translation)";
    case 8: name = "Sv39"; break;
    case 9: name = "Sv48"; break;
    case 10: name = "Sv57"; break;
    default: return fmt::format("mode {} (reserved)", mode);
  }
  return fmt::format("{} asid {} root 0x{:x}", name, (v >> 44) & 0xffff, ppn << 12);
}

// The set bits among `names` (bit number, name), or "-" for none.
template <std::size_t N>
std::string bits_text(std::uint64_t v, const std::pair<unsigned, const char*> (&names)[N]) {
  std::string out;
  for (const auto& [bit, name] : names) {
    if ((v >> bit & 1) == 0) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "-" : out;
}

std::string status_text(std::uint64_t v, bool machine) {
  constexpr std::pair<unsigned, const char*> kSup[] = {
      {1, "SIE"}, {5, "SPIE"}, {18, "SUM"}, {19, "MXR"}, {63, "SD"}};
  constexpr std::pair<unsigned, const char*> kMach[] = {
      {1, "SIE"},  {3, "MIE"},  {5, "SPIE"}, {7, "MPIE"}, {17, "MPRV"}, {18, "SUM"},
      {19, "MXR"}, {20, "TVM"}, {21, "TW"},  {22, "TSR"}, {63, "SD"}};
  constexpr const char* kFs[] = {"Off", "Initial", "Clean", "Dirty"};
  std::string out = machine ? bits_text(v, kMach) : bits_text(v, kSup);
  out = out == "-" ? "" : out + " ";
  out += fmt::format("SPP {}", (v & mstatus::kSpp) != 0 ? "S" : "U");
  if (machine)
    out += fmt::format(" MPP {}", mode_letter((v & mstatus::kMpp) >> mstatus::kMppShift));
  out += fmt::format(" FS {}", kFs[(v & mstatus::kFs) >> mstatus::kFsShift]);
  return out;
}

std::string interrupts_text(std::uint64_t v) {
  constexpr std::pair<unsigned, const char*> kNames[] = {{1, "SSI"}, {3, "MSI"}, {5, "STI"},
                                                         {7, "MTI"}, {9, "SEI"}, {11, "MEI"}};
  return bits_text(v, kNames);
}

std::string tvec_text(std::uint64_t v) {
  return fmt::format("{} base 0x{:x}", (v & 3) == 1 ? "vectored" : "direct", v & ~3ull);
}

// Exceptions by number (medeleg): the short names of the causes.
std::string exceptions_text(std::uint64_t v) {
  std::string out;
  for (unsigned bit = 0; bit < 16; ++bit) {
    if ((v >> bit & 1) == 0) continue;
    if (!out.empty()) out += ", ";
    out += cause_name(bit);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

std::string csr_text(std::string_view name, std::uint64_t value) {
  std::string meaning;
  if (name == "priv") return fmt::format("{} ({}-mode)", value, mode_letter(value));
  if (name == "satp") meaning = satp_text(value);
  if (name == "mstatus" || name == "sstatus") meaning = status_text(value, name == "mstatus");
  // 0 is also the reset value: no trap taken yet, more often than a misaligned fetch.
  if ((name == "mcause" || name == "scause") && value != 0)
    meaning = std::string(cause_name(value));
  if (name == "mip" || name == "mie" || name == "sip" || name == "sie" || name == "mideleg")
    meaning = interrupts_text(value);
  if (name == "mtvec" || name == "stvec") meaning = tvec_text(value);
  if (name == "medeleg") meaning = exceptions_text(value);
  if (meaning.empty()) return fmt::format("0x{:016x}", value);
  return fmt::format("0x{:016x}  {}", value, meaning);
}

}  // namespace strata::jit::rv64sys
