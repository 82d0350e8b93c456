// The .sbc writer. The reader (sbc_reader.cpp) accepts exactly what this produces; any change
// here is a change to docs/SBC.md and, if incompatible, to kSbcVersion.
#include "isa/sbc_format.hpp"

#include <bit>

#include "isa/sbc_wire.hpp"

namespace strata::isa {

namespace {

using sbc::ByteWriter;
using sbc::SectionId;

void put_type(ByteWriter& w, ValType t) {
  w.u8(static_cast<uint8_t>(t));
}

void write_signatures(ByteWriter& w, const Module& m) {
  w.uleb(m.sigs.size());
  for (const auto& s : m.sigs) {
    w.uleb(s.params.size());
    for (ValType t : s.params) put_type(w, t);
    w.u8(s.result ? uint8_t(1 + static_cast<uint8_t>(*s.result)) : sbc::kResultVoid);
  }
}

// Structs carry their fields inline; Module::fields is the flattening of them, so only the
// fields each struct claims (and that exist) are written.
void write_structs(ByteWriter& w, const Module& m) {
  w.uleb(m.structs.size());
  for (const auto& st : m.structs) {
    w.str(st.name);
    const size_t first = st.first_field;
    const size_t avail = first < m.fields.size() ? m.fields.size() - first : 0;
    const size_t n = st.field_count < avail ? st.field_count : avail;
    w.uleb(n);
    for (size_t i = 0; i < n; ++i) {
      w.str(m.fields[first + i].field.name);
      put_type(w, m.fields[first + i].field.type);
    }
  }
}

void write_constants(ByteWriter& w, const Module& m) {
  w.uleb(m.consts.size());
  for (const auto& k : m.consts) {
    if (const auto* i = std::get_if<int64_t>(&k)) {
      w.u8(sbc::kConstI64);
      w.sleb(*i);
    } else if (const auto* d = std::get_if<double>(&k)) {
      w.u8(sbc::kConstF64);
      w.u64(std::bit_cast<uint64_t>(*d));
    } else {
      w.u8(sbc::kConstString);
      w.str(std::get<std::string>(k));
    }
  }
}

void write_functions(ByteWriter& w, const Module& m) {
  w.uleb(m.funcs.size());
  for (const auto& f : m.funcs) {
    w.str(f.name);
    w.uleb(f.sig);
    w.uleb(f.regs.size());
    for (ValType t : f.regs) put_type(w, t);
    w.u8(f.reg_names.empty() ? 0 : 1);
    if (!f.reg_names.empty())
      for (size_t i = 0; i < f.regs.size(); ++i)
        w.str(i < f.reg_names.size() ? std::string_view(f.reg_names[i]) : std::string_view());
    w.uleb(f.code.size());
    for (Word word : f.code) w.u64(word);
  }
}

void write_debug(ByteWriter& w, const Module& m) {
  w.str(m.debug.source);
  w.uleb(m.debug.lines.size());
  for (const auto& table : m.debug.lines) {
    w.uleb(table.size());
    for (const auto& e : table) {
      w.uleb(e.pc);
      w.uleb(e.line);
    }
  }
}

}  // namespace

std::string write_sbc(const Module& m) {
  ByteWriter w;
  w.bytes().append(sbc::kMagic);
  w.u16(kSbcVersion);
  w.u16(0);  // flags: none defined

  w.begin_section(SectionId::Name);
  w.str(m.name);
  w.end_section();

  w.begin_section(SectionId::Signatures);
  write_signatures(w, m);
  w.end_section();

  w.begin_section(SectionId::Structs);
  write_structs(w, m);
  w.end_section();

  w.begin_section(SectionId::Constants);
  write_constants(w, m);
  w.end_section();

  w.begin_section(SectionId::Functions);
  write_functions(w, m);
  w.end_section();

  w.begin_section(SectionId::Imports);
  w.uleb(m.imports.size());
  for (const auto& im : m.imports) {
    w.str(im.module);
    w.str(im.name);
    w.uleb(im.sig);
  }
  w.end_section();

  w.begin_section(SectionId::Exports);
  w.uleb(m.exports.size());
  for (const auto& e : m.exports) {
    w.str(e.name);
    w.uleb(e.func);
  }
  w.end_section();

  w.begin_section(SectionId::Memory);
  w.uleb(m.memory.initial);
  w.uleb(m.memory.max);
  w.end_section();

  w.begin_section(SectionId::Data);
  w.uleb(m.data.size());
  for (const auto& d : m.data) {
    w.uleb(d.offset);
    w.str(d.bytes);
  }
  w.end_section();

  w.begin_section(SectionId::Debug);
  write_debug(w, m);
  w.end_section();

  w.u32(sbc_crc32(w.bytes()));
  return std::move(w.bytes());
}

}  // namespace strata::isa
