// What a system register's value means, for the REPL's `sregs` (Hart::format_reg): the mode of
// satp and its root page, the fields of mstatus, a cause's name, the interrupt bits of mip/mie.
// The hex value always comes first, so a script can read it the same way for every register.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::jit::rv64sys {

// "0x8000000000081234  Sv39 asid 0 root 0x81234000", or just the hex for a CSR without fields.
std::string csr_text(std::string_view name, std::uint64_t value);

}  // namespace strata::jit::rv64sys
