// Walking a function's code instruction by instruction.
//
// An instruction is one word, plus ceil(nargs/4) argument words for a call (kCall), where nargs
// comes from the callee's signature: funcs[b].sig for call, imports[b].sig for callh, c for
// calli. Decoding therefore needs the module. The verifier, the disassembler and the
// interpreter's pre-decoder all use this one walker so they agree on instruction boundaries.
//
//   for (const Insn& in : CodeWalk(module, fn)) { ... in.pc, in.word, in.args ... }
//
// On verified code every instruction decodes with status Ok. On unverified code the walk yields
// the first instruction that does not decode (status != Ok, length 1, args empty) and then
// ends, so a disassembler can show the rest as raw words and a verifier can report it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "isa/insn.hpp"
#include "isa/module.hpp"

namespace strata::isa {

enum class InsnStatus : uint8_t {
  Ok,
  BadOpcode,      // opcode field >= kOpCount
  BadCallee,      // call/callh/calli names a function/import/signature out of range
  TruncatedArgs,  // the argument words run past the end of the code
};

struct Insn {
  uint32_t pc = 0;  // word offset of the instruction in Function::code
  Word word = 0;
  std::span<const Word> args;  // the argument words of a call (empty otherwise)
  uint32_t nargs = 0;          // number of call arguments (0 for non-calls)
  InsnStatus status = InsnStatus::Ok;

  Op op() const { return op_of(word); }
  // Words occupied, including argument words; 1 for an instruction that does not decode.
  uint32_t length() const { return 1 + static_cast<uint32_t>(args.size()); }
  // Register index of call argument k (k < nargs).
  uint16_t arg(uint32_t k) const { return arg_of(args[k / 4], k % 4); }
};

// The signature index a call instruction uses, or nullopt when `w` is not a call or its callee
// (function b, import b, or signature c for calli) is out of range. For call/callh the result is
// the callee's declared signature, which may itself be out of range in an unverified module.
std::optional<uint32_t> call_sig(const Module& m, Word w);

// Decodes the instruction at `pc` (pc < f.code.size()).
Insn decode_insn(const Module& m, const Function& f, uint32_t pc);

class CodeWalk {
 public:
  CodeWalk(const Module& m, const Function& f) : m_(&m), f_(&f) {}

  class Iterator {
   public:
    using value_type = Insn;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    const Insn& operator*() const { return cur_; }
    const Insn* operator->() const { return &cur_; }
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator t = *this;
      ++*this;
      return t;
    }
    bool operator==(const Iterator& o) const {
      return done_ == o.done_ && (done_ || cur_.pc == o.cur_.pc);
    }

   private:
    friend class CodeWalk;
    Iterator(const Module* m, const Function* f, uint32_t pc);
    const Module* m_ = nullptr;
    const Function* f_ = nullptr;
    Insn cur_;
    bool done_ = true;
  };

  Iterator begin() const { return Iterator(m_, f_, 0); }
  Iterator end() const { return Iterator(); }

 private:
  const Module* m_;
  const Function* f_;
};

}  // namespace strata::isa
