// Code generation for the optimizing tier's LLJIT (docs/JIT.md, "The pass pipeline"): LLVM IR
// to an object file in memory, with one code generation pass pipeline built once per tier.
#pragma once

#include <memory>
#include <mutex>

#include <llvm/ADT/SmallVector.h>
#include <llvm/ExecutionEngine/Orc/IRCompileLayer.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

namespace strata::jit::opt {

// What ORC's SimpleCompiler does, minus building the target's pass pipeline (instruction
// selection through the object writer, about 130 legacy passes) for every module: that took
// about 0.45 ms of each compile's 1-9 ms of code generation. The pipeline is reusable across
// modules: each run brackets a module with doInitialization/doFinalization (the object writer
// and the MC context are reset in between), which `llc -run-twice` relies on too; objects came
// out byte-identical to SimpleCompiler's on every bench function.
//
// Two pipelines: SVI functions' and translated guest units' (a module carrying kGuestUnitFlag),
// which run without loop strength reduction: on the RV64 units LSR's extra induction variables
// cost more than they saved, besides its compile time (docs/RV64.md, "No loop strength
// reduction for units").
class ObjectCompiler final : public llvm::orc::IRCompileLayer::IRCompiler {
 public:
  // Fails if the target cannot emit objects.
  // `tm` must outlive the compiler.
  static llvm::Expected<std::unique_ptr<ObjectCompiler>> create(llvm::TargetMachine& tm);

  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> operator()(llvm::Module& m) override;

  // The module flag (an i32 1) that sends a module through the guest units' pipeline.
  static constexpr const char* kGuestUnitFlag = "strata.guest_unit";

 private:
  explicit ObjectCompiler(llvm::TargetMachine& tm);

  llvm::TargetMachine& tm_;
  llvm::SmallVector<char, 0> object_;  // what the pipeline's object writer writes to
  llvm::raw_svector_ostream out_{object_};
  llvm::legacy::PassManager passes_;       // SVI functions
  llvm::legacy::PassManager unit_passes_;  // translated guest units
  std::mutex running_;                     // one module at a time through the pipelines
};

}  // namespace strata::jit::opt
