// The .sbc binary module format: the serialised form of isa::Module (docs/SBC.md is the
// precise description; keep the two in step).
//
//   "SVIM" | u16 version (=1) | u16 flags (=0) | section* | u32 CRC-32 of all bytes before it
//   section = u8 id | u32 payload length | payload         (little-endian, ULEB128/SLEB128)
//
// All ten sections are present, once each, in id order: name, signatures, structs, constants,
// functions, imports, exports, memory, data, debug. The encoding is canonical (minimal LEB128,
// no padding, no trailing bytes), so for every module m the verifier accepts and every byte
// string x the reader accepts:
//   read_sbc(write_sbc(m)) == m      (up to NaN != NaN for f64 constants)
//   write_sbc(read_sbc(x)) == x
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::isa {

inline constexpr uint16_t kSbcVersion = 1;

// Serialises a module. Never fails. Struct/field tables are written per struct (the flattened
// field table is derived from them on reading), so a module whose tables are inconsistent (one
// the verifier rejects) is written best-effort and does not round-trip.
std::string write_sbc(const Module& m);

// Parses a module. Safe on hostile input: any malformed byte string gives an error naming the
// section, the absolute byte offset and what was expected, e.g.
//   "sbc: section 'functions' at offset 0x1a4: code length 4294967295 exceeds remaining 12 bytes"
// Allocation is bounded by a small multiple of the input size. The result is not verified:
// run isa::verify() before executing it.
Result<Module> read_sbc(std::string_view bytes);

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as used by the .sbc trailer. Exposed for
// tests and fuzzers that need to re-seal a mutated module.
uint32_t sbc_crc32(std::string_view bytes);

// Recomputes and overwrites the trailing checksum of `bytes` (no-op if shorter than 4 bytes).
void sbc_reseal(std::string& bytes);

}  // namespace strata::isa
