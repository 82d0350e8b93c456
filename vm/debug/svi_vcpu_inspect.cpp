// SviVcpu: what the monitor reads and writes while the program is paused: the innermost frame's
// registers (typed), the main module's linear memory, code locations and symbols, disassembly,
// the call stack and statistics.
#include <bit>
#include <charconv>

#include <fmt/format.h>

#include "assembler/disassembler.hpp"
#include "isa/code_walk.hpp"
#include "vm/debug/svi_vcpu.hpp"
#include "vm/heap/map.hpp"
#include "vm/instance.hpp"

namespace strata::vm {

namespace {

constexpr unsigned kFunctionShift = 32;

std::string reg_name(const isa::Function& f, size_t i) {
  return f.reg_names.size() == f.regs.size() ? "%" + f.reg_names[i] : fmt::format("%r{}", i);
}

// The register of `f` that `name` names: "%n", "n", "%r0" or "r0"; nullopt if none.
std::optional<size_t> reg_index(const isa::Function& f, std::string_view name) {
  if (name.starts_with("%")) name.remove_prefix(1);
  for (size_t i = 0; i < f.regs.size(); ++i)
    if (f.reg_names.size() == f.regs.size() && f.reg_names[i] == name) return i;
  if (name.size() > 1 && name[0] == 'r') {
    size_t i = 0;
    auto [p, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), i);
    if (ec == std::errc() && p == name.data() + name.size() && i < f.regs.size()) return i;
  }
  return std::nullopt;
}

// "12" or "0xc"; nullopt otherwise.
std::optional<uint64_t> parse_offset(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\')
      out += fmt::format("\\{}", static_cast<char>(c));
    else if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else if (c == '\n')
      out += "\\n";
    else
      out += fmt::format("\\x{:02x}", c);
  }
  out += s.size() > kMax ? "\"..." : "\"";
  return out;
}

std::string describe_ref(const Object* o) {
  if (o == nullptr) return "null";
  switch (o->kind) {
    case ObjKind::String: {
      const auto* s = static_cast<const String*>(o);
      return fmt::format("string {} ({} bytes)", quoted(s->view()), s->len);
    }
    case ObjKind::ArrayI64:
    case ObjKind::ArrayF64:
    case ObjKind::ArrayRef:
    case ObjKind::ArrayU8:
      return fmt::format("{} of length {}", kind_name(o->kind), static_cast<const Array*>(o)->len);
    case ObjKind::Record:
      return fmt::format("{} record", static_cast<const Record*>(o)->type->name);
    case ObjKind::Map:
      return fmt::format("map of {} entries", map_len(as_map(const_cast<Object*>(o))));
    case ObjKind::Function:
      return fmt::format("function reference to {}", static_cast<const FuncRef*>(o)->fn->name);
  }
  return "corrupt object";
}

}  // namespace

std::vector<RegInfo> SviVcpu::registers() const {
  const FuncInfo* fn = top().fn;
  const isa::Function& src = fn->inst->module.funcs[fn->index];
  std::vector<RegInfo> regs;
  regs.push_back(RegInfo{"pc", "", 64, "pc"});
  for (size_t i = 0; i < src.regs.size(); ++i)
    regs.push_back(RegInfo{reg_name(src, i), "", 64, std::string(isa::to_string(src.regs[i]))});
  return regs;
}

Result<uint64_t> SviVcpu::read_reg(std::string_view name) const {
  if (name == "pc") return pc();
  const FuncInfo* fn = top().fn;
  const isa::Function& src = fn->inst->module.funcs[fn->index];
  auto i = reg_index(src, name);
  if (!i) {
    std::string all;
    for (size_t k = 0; k < src.regs.size(); ++k) all += " " + reg_name(src, k);
    return fail("unknown register '{}' for svi (the registers of {}:{})", name, fn->name, all);
  }
  return top().base[*i].bits;
}

Result<void> SviVcpu::write_reg(std::string_view name, uint64_t value) {
  Frame& f = top();
  if (name == "pc") {
    const Site s = STRATA_TRY(site_of(value));
    if (s.fn != f.fn)
      return fail("pc: {} is in {}, not in the current function {}", locate(value)->symbol,
                  s.fn->name, f.fn->name);
    f.pc = f.fn->code + s.pc;
    return {};
  }
  const isa::Function& src = f.fn->inst->module.funcs[f.fn->index];
  STRATA_TRY(read_reg(name));
  const size_t i = *reg_index(src, name);
  // A made-up reference would let the program (and the GC) follow a wild pointer.
  if (src.regs[i] == isa::ValType::Ref && value != 0)
    return fail("{} is a ref register: only 0 (null) can be written to it", reg_name(src, i));
  f.base[i].bits = value;
  return {};
}

std::string SviVcpu::format_reg(const RegInfo& reg, uint64_t value) const {
  if (reg.group == "pc") {
    auto loc = locate(value);
    if (!loc) return fmt::format("0x{:x}", value);
    std::string s = loc->offset ? fmt::format("{}+{}", loc->symbol, loc->offset) : loc->symbol;
    return loc->line.empty() ? s : fmt::format("{} ({})", s, loc->line);
  }
  if (reg.group == "i64")
    return fmt::format("i64  {} (0x{:x})", static_cast<int64_t>(value), value);
  if (reg.group == "f64") return fmt::format("f64  {}", std::bit_cast<double>(value));
  // Refs in a frame are null or objects the GC keeps alive (the VM stack is scanned).
  return fmt::format("ref  {}", describe_ref(reinterpret_cast<const Object*>(value)));
}

Result<void> SviVcpu::read_memory(uint64_t addr, std::span<uint8_t> out) const {
  const LinearMemory& mem = program_->main_instance().memory;
  if (mem.size() == 0) return fail("the program has no linear memory (address 0x{:x})", addr);
  if (!mem.read(addr, out.data(), out.size()))
    return fail("address 0x{:x} is outside the linear memory of {} bytes",
                addr < mem.size() ? mem.size() : addr, mem.size());
  return {};
}

Result<void> SviVcpu::write_memory(uint64_t addr, std::span<const uint8_t> in) {
  LinearMemory& mem = program_->main_instance().memory;
  if (!mem.write(addr, in.data(), in.size()))
    return fail("address 0x{:x} is outside the linear memory of {} bytes",
                addr < mem.size() ? mem.size() : addr, mem.size());
  return {};
}

std::optional<CodeLocation> SviVcpu::locate(uint64_t addr) const {
  const auto& instances = program_->instances();
  const uint64_t m = addr >> 48;
  const uint64_t f = (addr >> kFunctionShift) & 0xffff;
  const auto pc = static_cast<uint32_t>(addr);
  if (m >= instances.size() || f >= instances[m]->funcs.size()) return std::nullopt;
  const Instance& inst = *instances[m];
  if (pc > inst.module.funcs[f].code.size()) return std::nullopt;
  CodeLocation loc;
  loc.symbol = m == 0 ? inst.funcs[f].name : inst.name + "." + inst.funcs[f].name;
  loc.offset = pc;
  const uint32_t line = inst.module.line_of(static_cast<uint32_t>(f), pc);
  if (line != 0) {
    const std::string& src = inst.module.debug.source;
    loc.line = fmt::format("{}:{}", src.empty() ? "line" : src, line);
  }
  return loc;
}

Result<std::optional<uint64_t>> SviVcpu::find_code(std::string_view text) const {
  const auto& instances = program_->instances();
  // A function by name: main's own, or MODULE.fn for another module's.
  auto function = [&](std::string_view name) -> const FuncInfo* {
    if (auto f = instances[0]->module.find_func(name)) return &instances[0]->funcs[*f];
    for (size_t m = 1; m < instances.size(); ++m) {
      const std::string& mod = instances[m]->name;
      if (name.size() > mod.size() + 1 && name.starts_with(mod) && name[mod.size()] == '.')
        if (auto f = instances[m]->module.find_func(name.substr(mod.size() + 1)))
          return &instances[m]->funcs[*f];
    }
    return nullptr;
  };
  auto at = [&](const FuncInfo* fn, uint64_t pc) -> Result<std::optional<uint64_t>> {
    if (pc > UINT32_MAX) return fail("{}: pc {} is past the end of {}", text, pc, fn->name);
    const uint64_t addr = address_of(fn, static_cast<uint32_t>(pc));
    STRATA_TRY(site_of(addr));
    return std::optional<uint64_t>(addr);
  };
  if (const FuncInfo* fn = function(text)) return at(fn, 0);
  const size_t sep = text.find_last_of(":+");
  if (sep == std::string_view::npos) return std::optional<uint64_t>{};
  const std::string_view head = text.substr(0, sep);
  const auto n = parse_offset(text.substr(sep + 1));
  if (!n) return std::optional<uint64_t>{};
  if (const FuncInfo* fn = function(head)) return at(fn, *n);
  if (text[sep] != ':') return std::optional<uint64_t>{};
  // FILE:LINE, FILE being a module's source as recorded or its last path component.
  for (const auto& inst : instances) {
    const std::string& src = inst->module.debug.source;
    if (src.empty() || (head != src && head != basename(src))) continue;
    for (size_t f = 0; f < inst->module.debug.lines.size(); ++f)
      for (const isa::LineEntry& e : inst->module.debug.lines[f])
        if (e.line == *n) return at(&inst->funcs[f], e.pc);
    return fail("no instruction at line {} of {}", *n, head);
  }
  return std::optional<uint64_t>{};
}

Result<GuestInsn> SviVcpu::disassemble(uint64_t addr) const {
  const Site s = STRATA_TRY(site_of(addr));
  const isa::Module& m = s.inst->module;
  auto text = as::disassemble_insn(m, s.fn->index, s.pc);
  if (!text) return fail("no instruction at {}+{}", s.fn->name, s.pc);
  const isa::Insn in = isa::decode_insn(m, m.funcs[s.fn->index], s.pc);
  return GuestInsn{in.length(), std::move(*text)};
}

Result<std::vector<TraceFrame>> SviVcpu::backtrace() const {
  if (trap_) return trap_->trace;
  if (ended_) return fail("the program has ended: it has no call stack");
  Trap t;
  build_trace(*st_, &top(), top().pc, &t);
  return std::move(t.trace);
}

std::string SviVcpu::stats() const {
  size_t functions = 0;
  std::string modules;
  for (const auto& inst : program_->instances()) {
    functions += inst->funcs.size();
    modules += (modules.empty() ? "" : ", ") + inst->name;
  }
  std::string out = fmt::format(
      "engine: the SVI interpreter (a debugged program runs every function interpreted, on a copy "
      "of its code that holds the break words)\n"
      "modules: {} ({}), {} functions\n"
      "fuel used: {} units (calls and taken backward branches)\n"
      "call depth: {}\n"
      "single steps: {}, resumptions: {}, pauses at break words: {}\n"
      "break words planted: {} ({} watchpoints)\n",
      program_->instances().size(), modules, functions, program_->fuel_used(), depth_ + 1, steps_,
      resumes_, pauses_, planted_.size(), watches_.size());
  out += fmt::format("linear memory: {} bytes\n", program_->main_instance().memory.size());
  return out;
}

Result<std::string> SviVcpu::describe_code(uint64_t addr) {
  const Site s = STRATA_TRY(site_of(addr));
  const isa::Module& m = s.inst->module;
  const isa::Function& src = m.funcs[s.fn->index];
  std::string out = fmt::format("{} (module {}, function {}): {}, {} registers, {} words\n",
                                s.fn->name, s.inst->name, s.fn->index,
                                isa::to_string(m.sigs[src.sig]), src.regs.size(), src.code.size());
  if (s.fn->index < m.debug.lines.size() && !m.debug.lines[s.fn->index].empty()) {
    uint32_t lo = UINT32_MAX, hi = 0;
    for (const isa::LineEntry& e : m.debug.lines[s.fn->index]) {
      lo = std::min(lo, e.line);
      hi = std::max(hi, e.line);
    }
    out += fmt::format("source: {} lines {}-{}\n", m.debug.source, lo, hi);
  }
  out += "runs in the interpreter (under the debugger nothing is compiled)\n";
  const uint64_t first = address_of(s.fn, 0), last = address_of(s.fn, UINT32_MAX);
  std::string words;
  for (auto it = planted_.lower_bound(first); it != planted_.end() && it->first <= last; ++it) {
    std::string why;
    if (it->second & kBreak) why += "breakpoint";
    if (it->second & kWatch) why += why.empty() ? "watch" : ", watch";
    if (it->second & kStep) why += why.empty() ? "step" : ", step";
    words += fmt::format(" pc {} ({});", static_cast<uint32_t>(it->first), why);
  }
  if (!words.empty()) words.pop_back();
  out += fmt::format("break words:{}\n", words.empty() ? " none" : words);
  return out;
}

}  // namespace strata::vm
