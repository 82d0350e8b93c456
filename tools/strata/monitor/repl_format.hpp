// Text helpers of the REPL: numbers as users type them, hex dumps, stop descriptions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vm/vcpu.hpp"

namespace strata::monitor {

// "0x1f", "31", "-1" (two's complement); nullopt for anything else or an overflow.
std::optional<uint64_t> parse_number(std::string_view s);

// "1.5", "-2", "1e-3", "inf", "nan": a double; nullopt for anything else.
std::optional<double> parse_double(std::string_view s);

// 16 bytes per line: "0x00000000000100b0  13 05 00 00 ...  |......|".
std::string hex_dump(uint64_t addr, std::span<const uint8_t> bytes);

// "SIGSEGV" for 11, "signal 77" for one without a name.
std::string signal_name(int sig);

// "exited with status 0", "killed by SIGSEGV", "breakpoint at", ... for a stop, without the
// location (the caller adds it).
std::string describe_stop(const vm::StopReason& r);

}  // namespace strata::monitor
