#include "tests/isa/builder.hpp"

#include <limits>

#include "isa/code_walk.hpp"

namespace strata::isa::test {

uint32_t Builder::sig(std::vector<ValType> params, std::optional<ValType> result) {
  m.sigs.push_back(Signature{std::move(params), result});
  return static_cast<uint32_t>(m.sigs.size() - 1);
}

uint32_t Builder::strukt(std::string name, std::vector<StructField> fields) {
  const auto idx = static_cast<uint32_t>(m.structs.size());
  StructType st{std::move(name), static_cast<uint32_t>(m.fields.size()),
                static_cast<uint32_t>(fields.size())};
  for (uint32_t k = 0; k < fields.size(); ++k) m.fields.push_back(FieldRef{idx, k, fields[k]});
  m.structs.push_back(std::move(st));
  return idx;
}

uint32_t Builder::konst(Constant k) {
  m.consts.push_back(std::move(k));
  return static_cast<uint32_t>(m.consts.size() - 1);
}

uint32_t Builder::import(std::string module, std::string name, uint32_t s) {
  m.imports.push_back(Import{std::move(module), std::move(name), s});
  return static_cast<uint32_t>(m.imports.size() - 1);
}

uint32_t Builder::func(std::string name, uint32_t s, std::vector<ValType> locals,
                       std::vector<Word> code) {
  Function f;
  f.name = std::move(name);
  f.sig = s;
  f.regs = m.sigs.at(s).params;
  f.regs.insert(f.regs.end(), locals.begin(), locals.end());
  f.code = std::move(code);
  m.funcs.push_back(std::move(f));
  return static_cast<uint32_t>(m.funcs.size() - 1);
}

void Builder::exp(std::string name, uint32_t func) {
  m.exports.push_back(Export{std::move(name), func});
}

namespace {

// One valid instance of `op` inside a function of signature (i64, f64, ref) -> i64 whose
// registers %0 %1 %2 are i64 f64 ref; constant 0 is an i64, field 0 an i64, signature 0 and
// function 0 and import 0 take (i64, f64, ref) and return i64.
std::vector<Word> instance_of(Op op) {
  const OpInfo& oi = info(op);
  auto reg_for = [](Operand k) -> uint16_t {
    switch (k) {
      case Operand::Df:
      case Operand::Mf:
      case Operand::Uf: return 1;
      case Operand::Dr:
      case Operand::Ur: return 2;
      default: return 0;  // i64, and every Dx/Ux rule resolves to i64 here
    }
  };
  auto field = [&](Operand k) -> uint16_t {
    if (is_reg(k)) return reg_for(k);
    switch (k) {
      case Operand::S16: return static_cast<uint16_t>(-3);
      case Operand::U16: return 7;
      case Operand::J16: return 1;
      default: return 0;  // __, and indices 0
    }
  };
  Word w;
  if (is_wide(oi.b)) {
    const uint32_t bc = oi.b == Operand::I32 ? 0x80000001u : oi.b == Operand::J32 ? 1u : 0u;
    w = make_abx(op, field(oi.a), bc);
  } else {
    w = make_abc(op, field(oi.a), field(oi.b), field(oi.c));
  }
  std::vector<Word> out{w};
  if (oi.flags & kCall) out.push_back(make_args(0, 1, 2));
  return out;
}

}  // namespace

Module make_rich_module() {
  Builder b;
  b.m.name = "rich";
  const uint32_t s_main = b.sig({I, F, R}, I);
  const uint32_t s_void = b.sig({});
  const uint32_t s_five = b.sig({R, R, R, R, I}, R);
  b.sig({I}, F);
  b.strukt("Point", {{"x", I}, {"y", F}});
  b.strukt("Node", {{"next", R}, {"val", I}, {"w", F}});
  b.strukt("Empty", {});
  b.konst(int64_t{42});
  b.konst(1.5);
  b.konst(std::string("hello\0world", 11));
  b.konst(std::numeric_limits<int64_t>::min());
  b.konst(std::numeric_limits<int64_t>::max());
  b.konst(-0.0);
  b.import("std.io", "print", s_main);
  b.import("std.x", "five", s_five);

  std::vector<Word> code;
  for (size_t i = 0; i < kOpCount; ++i) {
    if (static_cast<Op>(i) == Op::RetV) continue;
    auto ws = instance_of(static_cast<Op>(i));
    code.insert(code.end(), ws.begin(), ws.end());
  }
  code.push_back(make_abc(Op::Ret, 0, 0, 0));
  const uint32_t f_all = b.func("all_ops", s_main, {I, F, R}, code);
  b.m.funcs[f_all].reg_names = {"n", "x", "obj", "t0", "t1", "t2"};

  const uint32_t f_void =
      b.func("void_fn", s_void, {}, {make_abc(Op::Nop, 0, 0, 0), make_abc(Op::RetV, 0, 0, 0)});
  // Five arguments take two argument words; the last has three zero slots.
  b.func("five", s_five, {R},
         {make_abc(Op::CallH, 5, 1, 0), make_args(0, 1, 2, 3), make_args(4), make_abx(Op::Bz, 4, 2),
          make_abx(Op::Jmp, 0, static_cast<uint32_t>(-4)), make_abc(Op::Ret, 5, 0, 0)});
  b.exp("all_ops", f_all);
  b.exp("void_fn", f_void);
  b.m.memory = Memory{65536, 1 << 20};
  b.m.data = {DataSegment{0, "abc"}, DataSegment{100, std::string("\0\xff\x80", 3)},
              DataSegment{65536, ""}};
  b.m.debug.source = "rich.sasm";
  for (const Function& f : b.m.funcs) {
    std::vector<LineEntry> lines;
    uint32_t line = 3;
    for (const Insn& in : CodeWalk(b.m, f)) lines.push_back(LineEntry{in.pc, line += 2});
    b.m.debug.lines.push_back(std::move(lines));
  }
  return std::move(b.m);
}

}  // namespace strata::isa::test
