// Parsing of numeric command-line values: counts ("1000000", "1_000_000") and sizes with
// binary suffixes ("512M", "4G", "64K", plain bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace strata::cli {

std::optional<uint64_t> parse_count(std::string_view s);
std::optional<uint64_t> parse_size(std::string_view s);

}  // namespace strata::cli
