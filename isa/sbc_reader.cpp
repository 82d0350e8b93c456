// The .sbc reader. Every byte it reads is untrusted: each read is bounds-checked by ByteReader,
// each count is checked against the bytes left before anything is reserved, and each error
// names the section and the absolute offset.
#include <bit>

#include <fmt/format.h>

#include "isa/sbc_format.hpp"
#include "isa/sbc_wire.hpp"

namespace strata::isa {

namespace {

using sbc::ByteReader;

Result<ValType> get_type(ByteReader& r, std::string_view what) {
  const size_t at = r.pos();
  const uint8_t b = STRATA_TRY(r.u8(what));
  if (b > static_cast<uint8_t>(ValType::Ref))
    return r.error_at(
        at, fmt::format("{}: invalid value type {} (expected 0 i64, 1 f64, 2 ref)", what, b));
  return static_cast<ValType>(b);
}

Result<void> read_name(ByteReader& r, Module& m) {
  m.name = STRATA_TRY(r.str("module name"));
  return {};
}

Result<void> read_signatures(ByteReader& r, Module& m) {
  const uint32_t n = STRATA_TRY(r.count("signature count", 2));
  m.sigs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Signature s;
    const uint32_t np = STRATA_TRY(r.count("parameter count", 1));
    s.params.reserve(np);
    for (uint32_t k = 0; k < np; ++k) s.params.push_back(STRATA_TRY(get_type(r, "parameter type")));
    const size_t at = r.pos();
    const uint8_t res = STRATA_TRY(r.u8("result type"));
    if (res > 1 + static_cast<uint8_t>(ValType::Ref))
      return r.error_at(at, fmt::format("invalid result type {} (expected 0 void, 1 i64, 2 f64, "
                                        "3 ref)",
                                        res));
    if (res != sbc::kResultVoid) s.result = static_cast<ValType>(res - 1);
    m.sigs.push_back(std::move(s));
  }
  return {};
}

// Rebuilds the flattened field table: struct i's fields get consecutive indices.
Result<void> read_structs(ByteReader& r, Module& m) {
  const uint32_t n = STRATA_TRY(r.count("struct count", 2));
  m.structs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    StructType st;
    st.name = STRATA_TRY(r.str("struct name"));
    st.first_field = static_cast<uint32_t>(m.fields.size());
    st.field_count = STRATA_TRY(r.count("field count", 2));
    for (uint32_t k = 0; k < st.field_count; ++k) {
      FieldRef f;
      f.owner = i;
      f.slot = k;
      f.field.name = STRATA_TRY(r.str("field name"));
      f.field.type = STRATA_TRY(get_type(r, "field type"));
      m.fields.push_back(std::move(f));
    }
    m.structs.push_back(std::move(st));
  }
  return {};
}

Result<void> read_constants(ByteReader& r, Module& m) {
  const uint32_t n = STRATA_TRY(r.count("constant count", 2));
  m.consts.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const size_t at = r.pos();
    const uint8_t tag = STRATA_TRY(r.u8("constant tag"));
    switch (tag) {
      case sbc::kConstI64: m.consts.emplace_back(STRATA_TRY(r.sleb64("i64 constant"))); break;
      case sbc::kConstF64:
        m.consts.emplace_back(std::bit_cast<double>(STRATA_TRY(r.u64("f64 constant"))));
        break;
      case sbc::kConstString: m.consts.emplace_back(STRATA_TRY(r.str("string constant"))); break;
      default:
        return r.error_at(at, fmt::format("constant #{}: invalid tag {} (expected 0 i64, 1 f64, "
                                          "2 string)",
                                          i, tag));
    }
  }
  return {};
}

Result<void> read_functions(ByteReader& r, Module& m) {
  // name, sig, register count, names flag and code length take at least 5 bytes.
  const uint32_t n = STRATA_TRY(r.count("function count", 5));
  m.funcs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Function f;
    f.name = STRATA_TRY(r.str("function name"));
    f.sig = STRATA_TRY(r.uleb32("function signature"));
    const uint32_t nregs = STRATA_TRY(r.count("register count", 1));
    f.regs.reserve(nregs);
    for (uint32_t k = 0; k < nregs; ++k) f.regs.push_back(STRATA_TRY(get_type(r, "register type")));
    const size_t at = r.pos();
    const uint8_t has_names = STRATA_TRY(r.u8("register names flag"));
    // Canonical form: a function without registers has no names (flag 0).
    if (has_names > 1 || (has_names == 1 && nregs == 0))
      return r.error_at(at, fmt::format("register names flag {} (expected 0{})", has_names,
                                        nregs ? " or 1" : " for a function without registers"));
    if (has_names) {
      // GUEST: one name (at least its length byte) per register must fit.
      if (nregs > r.remaining())
        return r.error_at(
            at, fmt::format("{} register names exceed remaining {} bytes", nregs, r.remaining()));
      f.reg_names.reserve(nregs);
      for (uint32_t k = 0; k < nregs; ++k)
        f.reg_names.push_back(STRATA_TRY(r.str("register name")));
    }
    const uint32_t ncode = STRATA_TRY(r.count("code length", 8));
    STRATA_TRY(r.u64_array("code", ncode, f.code));
    m.funcs.push_back(std::move(f));
  }
  return {};
}

Result<void> read_imports(ByteReader& r, Module& m) {
  const uint32_t n = STRATA_TRY(r.count("import count", 3));
  m.imports.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Import im;
    im.module = STRATA_TRY(r.str("import module"));
    im.name = STRATA_TRY(r.str("import name"));
    im.sig = STRATA_TRY(r.uleb32("import signature"));
    m.imports.push_back(std::move(im));
  }
  return {};
}

Result<void> read_exports(ByteReader& r, Module& m) {
  const uint32_t n = STRATA_TRY(r.count("export count", 2));
  m.exports.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Export e;
    e.name = STRATA_TRY(r.str("export name"));
    e.func = STRATA_TRY(r.uleb32("export function"));
    m.exports.push_back(std::move(e));
  }
  return {};
}

Result<void> read_memory(ByteReader& r, Module& m) {
  m.memory.initial = STRATA_TRY(r.uleb64("memory initial size"));
  m.memory.max = STRATA_TRY(r.uleb64("memory maximum size"));
  return {};
}

Result<void> read_data(ByteReader& r, Module& m) {
  const uint32_t n = STRATA_TRY(r.count("data segment count", 2));
  m.data.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment d;
    d.offset = STRATA_TRY(r.uleb64("data offset"));
    d.bytes = STRATA_TRY(r.str("data bytes"));
    m.data.push_back(std::move(d));
  }
  return {};
}

Result<void> read_debug(ByteReader& r, Module& m) {
  m.debug.source = STRATA_TRY(r.str("source name"));
  const uint32_t n = STRATA_TRY(r.count("line table count", 1));
  m.debug.lines.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t ne = STRATA_TRY(r.count("line entry count", 2));
    std::vector<LineEntry> table;
    table.reserve(ne);
    for (uint32_t k = 0; k < ne; ++k) {
      LineEntry e;
      e.pc = STRATA_TRY(r.uleb32("line entry pc"));
      e.line = STRATA_TRY(r.uleb32("line entry line"));
      table.push_back(e);
    }
    m.debug.lines.push_back(std::move(table));
  }
  return {};
}

using SectionReader = Result<void> (*)(ByteReader&, Module&);
constexpr SectionReader kReaders[] = {
    nullptr,      read_name,    read_signatures, read_structs, read_constants, read_functions,
    read_imports, read_exports, read_memory,     read_data,    read_debug,
};

tl::unexpected<Error> file_error(size_t offset, std::string_view msg) {
  return fail("sbc: header at offset {:#x}: {}", offset, msg);
}

}  // namespace

Result<Module> read_sbc(std::string_view bytes) {
  if (bytes.size() < sbc::kHeaderSize + sbc::kTrailerSize)
    return file_error(0, fmt::format("file of {} bytes is too short for a module (at least {})",
                                     bytes.size(), sbc::kHeaderSize + sbc::kTrailerSize));
  if (bytes.substr(0, 4) != sbc::kMagic) return file_error(0, "bad magic (expected \"SVIM\")");
  const size_t body = bytes.size() - sbc::kTrailerSize;
  ByteReader hdr(bytes, 4, body, "header");
  const uint16_t version = STRATA_TRY(hdr.u16("format version"));
  if (version != kSbcVersion)
    return file_error(
        4, fmt::format("unsupported format version {} (expected {})", version, kSbcVersion));
  const uint16_t flags = STRATA_TRY(hdr.u16("flags"));
  if (flags != 0) return file_error(6, fmt::format("unknown flags {:#x} (expected 0)", flags));

  ByteReader trailer(bytes, body, bytes.size(), "checksum");
  const uint32_t stored = STRATA_TRY(trailer.u32("CRC-32"));
  const uint32_t computed = sbc_crc32(bytes.substr(0, body));
  if (stored != computed)
    return fail(
        "sbc: checksum at offset {:#x}: stored CRC-32 {:#010x} but the contents give "
        "{:#010x} (file truncated or corrupted)",
        body, stored, computed);

  Module m;
  size_t pos = sbc::kHeaderSize;
  uint8_t expected = sbc::kFirstSection;
  while (pos < body) {
    const uint8_t id = static_cast<uint8_t>(bytes[pos]);
    const std::string_view want = expected <= sbc::kLastSection
                                      ? sbc::section_name(expected)
                                      : std::string_view("end of file (checksum)");
    if (id < sbc::kFirstSection || id > sbc::kLastSection)
      return fail(
          "sbc: section id at offset {:#x}: unknown section id {} (expected section "
          "'{}')",
          pos, id, want);
    if (id != expected)
      return fail("sbc: section '{}' at offset {:#x}: {} section (expected '{}')",
                  sbc::section_name(id), pos,
                  id < expected ? "duplicate or out-of-order" : "out-of-order or missing previous",
                  want);
    ByteReader head(bytes, pos + 1, body, sbc::section_name(id));
    const uint32_t len = STRATA_TRY(head.u32("section length"));
    // GUEST: the payload must lie before the checksum.
    if (len > head.remaining())
      return head.error_at(pos + 1, fmt::format("section length {} exceeds remaining {} bytes", len,
                                                head.remaining()));
    ByteReader r(bytes, head.pos(), head.pos() + len, sbc::section_name(id));
    STRATA_TRY(kReaders[id](r, m));
    if (r.remaining() != 0)
      return r.error(
          fmt::format("{} unexpected trailing bytes at the end of the section", r.remaining()));
    pos = r.pos();
    ++expected;
  }
  if (expected <= sbc::kLastSection)
    return fail("sbc: section '{}' at offset {:#x}: missing section (file ends before it)",
                sbc::section_name(expected), pos);
  return m;
}

}  // namespace strata::isa
