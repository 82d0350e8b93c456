#include "isa/insn.hpp"

namespace strata::isa {

std::optional<Op> op_from_mnemonic(std::string_view mnemonic) {
  for (size_t i = 0; i < kOpCount; ++i)
    if (kOpInfo[i].mnemonic == mnemonic) return static_cast<Op>(i);
  return std::nullopt;
}

}  // namespace strata::isa
