#include "tools/strata/monitor/eh_frame.hpp"

#include <algorithm>
#include <cstring>

#include "tools/strata/monitor/elf_sections.hpp"

namespace strata::monitor {

namespace {

// Pointer encodings (DW_EH_PE_*) that RISC-V toolchains emit.
constexpr uint8_t kPeAbsptr = 0x00, kPeUleb = 0x01, kPeUdata2 = 0x02, kPeUdata4 = 0x03,
                  kPeUdata8 = 0x04, kPeSleb = 0x09, kPeSdata2 = 0x0a, kPeSdata4 = 0x0b,
                  kPeSdata8 = 0x0c, kPePcrel = 0x10;

// A bounds-checked reader over the section; once it fails every later read fails too.
class Reader {
 public:
  Reader(std::string_view b, size_t pos, size_t end) : b_(b), pos_(pos), end_(end) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= end_; }
  template <typename T>
  T fixed() {
    T v{};
    if (!ok_ || end_ - pos_ < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint64_t uleb() {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      const auto byte = fixed<uint8_t>();
      if (!ok_ || shift > 63) return ok_ = false, 0;
      v |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return v;
    }
  }
  int64_t sleb() {
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t byte = 0;
    do {
      byte = fixed<uint8_t>();
      if (!ok_ || shift > 63) return ok_ = false, 0;
      v |= uint64_t{byte & 0x7fu} << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) v |= ~uint64_t{0} << shift;
    return static_cast<int64_t>(v);
  }
  std::string_view cstring() {
    const size_t nul = b_.find('\0', pos_);
    if (!ok_ || nul == std::string_view::npos || nul >= end_) return ok_ = false, "";
    std::string_view s = b_.substr(pos_, nul - pos_);
    pos_ = nul + 1;
    return s;
  }
  // A pointer in `encoding`; `origin` + position is the pointer's load address (for pcrel).
  uint64_t pointer(uint8_t encoding, uint64_t origin) {
    const uint64_t here = origin + pos_;
    uint64_t v = 0;
    switch (encoding & 0x0f) {
      case kPeAbsptr:
      case kPeUdata8:
      case kPeSdata8: v = fixed<uint64_t>(); break;
      case kPeUleb: v = uleb(); break;
      case kPeUdata2: v = fixed<uint16_t>(); break;
      case kPeUdata4: v = fixed<uint32_t>(); break;
      case kPeSleb: v = static_cast<uint64_t>(sleb()); break;
      case kPeSdata2: v = static_cast<uint64_t>(int64_t{fixed<int16_t>()}); break;
      case kPeSdata4: v = static_cast<uint64_t>(int64_t{fixed<int32_t>()}); break;
      default: ok_ = false; return 0;
    }
    if ((encoding & 0x70) == kPePcrel)
      v += here;
    else if ((encoding & 0x70) != 0)
      ok_ = false;  // datarel, funcrel...: not emitted for RISC-V
    return v;
  }
  void skip(uint64_t n) {
    if (!ok_ || end_ - pos_ < n) {
      ok_ = false;
      return;
    }
    pos_ += n;
  }

 private:
  std::string_view b_;
  size_t pos_, end_;
  bool ok_ = true;
};

}  // namespace

Result<CallFrameInfo> CallFrameInfo::load(const std::string& path) {
  auto bytes = STRATA_TRY(elf::read_file(path));
  auto t = parse(bytes);
  if (!t) return fail("{}: {}", path, t.error().message);
  return t;
}

Result<CallFrameInfo> CallFrameInfo::parse(std::string_view file) {
  STRATA_TRY(elf::check_header(file));
  CallFrameInfo t;
  const auto eh_sec = elf::find(file, ".eh_frame");
  const auto debug_sec = elf::find(file, ".debug_frame");
  const std::string_view eh = eh_sec ? eh_sec->bytes : std::string_view();
  const std::string_view debug = debug_sec ? debug_sec->bytes : std::string_view();
  const uint64_t eh_addr = eh_sec ? eh_sec->addr : 0;
  const uint64_t debug_addr = debug_sec ? debug_sec->addr : 0;
  t.bytes_ = std::string(eh) + std::string(debug);
  t.parse_section(0, eh.size(), eh_addr, true);
  t.parse_section(eh.size(), debug.size(), debug_addr, false);
  std::sort(t.fdes_.begin(), t.fdes_.end(),
            [](const Fde& x, const Fde& y) { return x.begin < y.begin; });
  return t;
}

void CallFrameInfo::parse_section(size_t base, size_t size, uint64_t addr, bool eh) {
  const std::string_view b = std::string_view(bytes_).substr(0, base + size);
  // pcrel pointers are relative to their own load address: addr + (offset - base).
  const uint64_t origin = addr - base;
  std::vector<std::pair<size_t, size_t>> cie_at;  // offset in bytes_ -> index in cies_
  size_t pos = base;
  while (b.size() - pos >= 4) {
    Reader r(b, pos, b.size());
    uint64_t len = r.fixed<uint32_t>();
    if (len == 0 && eh) break;  // .eh_frame's terminator
    const bool wide = len == 0xffffffffu;
    if (wide) len = r.fixed<uint64_t>();
    const size_t body = r.pos();
    if (!r.ok() || len > b.size() - body || len < 4) break;
    const size_t end = body + static_cast<size_t>(len);
    Reader e(b, body, end);
    const uint64_t id = wide ? e.fixed<uint64_t>() : e.fixed<uint32_t>();
    const bool is_cie = eh ? id == 0 : id == (wide ? ~uint64_t{0} : 0xffffffffu);
    if (is_cie) {
      Cie c;
      c.ptr_encoding = eh ? 0 : kPeAbsptr;
      const auto version = e.fixed<uint8_t>();
      const std::string_view aug = e.cstring();
      if (version >= 4) e.skip(2);  // address and segment selector sizes
      c.code_align = e.uleb();
      c.data_align = e.sleb();
      c.return_reg = version == 1 ? e.fixed<uint8_t>() : static_cast<uint32_t>(e.uleb());
      c.augmented = !aug.empty() && aug[0] == 'z';
      if (c.augmented) {
        const uint64_t n = e.uleb();
        const size_t data_end = e.pos() + static_cast<size_t>(std::min<uint64_t>(n, end - e.pos()));
        Reader a(b, e.pos(), data_end);
        for (char ch : aug.substr(1)) {
          if (ch == 'R')
            c.ptr_encoding = a.fixed<uint8_t>();
          else if (ch == 'P')
            a.pointer(a.fixed<uint8_t>(), origin);
          else if (ch == 'L')
            a.fixed<uint8_t>();
        }
        e.skip(n);
      }
      if (e.ok()) {
        c.insns = e.pos();
        c.insns_len = end - e.pos();
        cie_at.emplace_back(pos, cies_.size());
        cies_.push_back(c);
      }
    } else {
      // .eh_frame: the distance back from the id field; .debug_frame: an offset in the section.
      const size_t id_at = body;
      const size_t cie_off = eh ? (id_at >= id ? id_at - id : SIZE_MAX)
                                : (id < size ? base + static_cast<size_t>(id) : SIZE_MAX);
      auto it = std::find_if(cie_at.begin(), cie_at.end(),
                             [&](const auto& p) { return p.first == cie_off; });
      if (it != cie_at.end()) {
        const Cie& c = cies_[it->second];
        Fde f;
        f.cie = it->second;
        f.begin = e.pointer(c.ptr_encoding, origin);
        const uint64_t range = e.pointer(c.ptr_encoding & 0x0f, origin);
        f.end = f.begin + range;
        if (c.augmented) e.skip(e.uleb());
        if (e.ok() && range != 0) {
          f.insns = e.pos();
          f.insns_len = end - e.pos();
          fdes_.push_back(f);
        }
      }
    }
    pos = end;
  }
}

std::optional<FrameRule> CallFrameInfo::rule_at(uint64_t pc) const {
  auto it = std::upper_bound(fdes_.begin(), fdes_.end(), pc,
                             [](uint64_t v, const Fde& f) { return v < f.begin; });
  if (it == fdes_.begin()) return std::nullopt;
  const Fde& f = *--it;
  if (pc >= f.end) return std::nullopt;
  const Cie& c = cies_[f.cie];
  FrameRule row;
  row.return_reg = c.return_reg;
  FrameRule initial;
  std::vector<FrameRule> stack;
  uint64_t loc = f.begin;
  // Runs the CIE's instructions (the initial rules), then the FDE's up to pc.
  auto run = [&](size_t off, size_t len) -> bool {
    Reader r(bytes_, off, off + len);
    while (!r.at_end()) {
      const auto op = r.fixed<uint8_t>();
      const uint8_t low = op & 0x3f;
      auto set_saved = [&](uint64_t reg, int64_t offset) {
        if (reg < 32) row.saved[reg] = SavedReg{true, false, offset};
      };
      auto advance = [&](uint64_t delta) {
        loc += delta * c.code_align;
        return loc <= pc;
      };
      switch (op >> 6) {
        case 1:
          if (!advance(low)) return true;
          continue;
        case 2: set_saved(low, static_cast<int64_t>(r.uleb()) * c.data_align); continue;
        case 3:
          if (low < 32) row.saved[low] = initial.saved[low];
          continue;
        default: break;
      }
      switch (op) {
        case 0x00: break;  // nop
        case 0x02:
          if (!advance(r.fixed<uint8_t>())) return true;
          break;
        case 0x03:
          if (!advance(r.fixed<uint16_t>())) return true;
          break;
        case 0x04:
          if (!advance(r.fixed<uint32_t>())) return true;
          break;
        case 0x05: {
          const uint64_t reg = r.uleb();
          set_saved(reg, static_cast<int64_t>(r.uleb()) * c.data_align);
          break;
        }
        case 0x06:
        case 0x07:
        case 0x08: {  // restore_extended, undefined, same_value
          const uint64_t reg = r.uleb();
          if (reg < 32)
            row.saved[reg] = op == 0x06 ? initial.saved[reg] : SavedReg{false, op == 0x07, 0};
          break;
        }
        case 0x0a: stack.push_back(row); break;
        case 0x0b:
          if (stack.empty()) return false;
          {
            // remember/restore_state keep the CFA rule as it is now (DWARF 5, 6.4.2.4).
            const uint32_t reg = row.cfa_reg;
            const int64_t offset = row.cfa_offset;
            row = stack.back();
            row.cfa_reg = reg;
            row.cfa_offset = offset;
          }
          stack.pop_back();
          break;
        case 0x0c:
          row.cfa_reg = static_cast<uint32_t>(r.uleb());
          row.cfa_offset = static_cast<int64_t>(r.uleb());
          break;
        case 0x0d: row.cfa_reg = static_cast<uint32_t>(r.uleb()); break;
        case 0x0e: row.cfa_offset = static_cast<int64_t>(r.uleb()); break;
        case 0x11: {
          const uint64_t reg = r.uleb();
          set_saved(reg, r.sleb() * c.data_align);
          break;
        }
        case 0x12:
          row.cfa_reg = static_cast<uint32_t>(r.uleb());
          row.cfa_offset = r.sleb() * c.data_align;
          break;
        case 0x13: row.cfa_offset = r.sleb() * c.data_align; break;
        case 0x2e: r.uleb(); break;  // GNU_args_size
        default: return false;       // expressions and the rest: not understood
      }
      if (!r.ok()) return false;
    }
    return r.ok();
  };
  if (!run(c.insns, c.insns_len)) return std::nullopt;
  initial = row;
  if (!run(f.insns, f.insns_len)) return std::nullopt;
  if (row.cfa_reg >= 32) return std::nullopt;
  return row;
}

}  // namespace strata::monitor
